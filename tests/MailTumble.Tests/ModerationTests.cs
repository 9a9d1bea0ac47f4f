using MailKit.Net.Smtp;
using MailTumble.Core.Aliases;
using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;
using MailTumble.Testing;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailTumble.Tests;

/// <summary>Moderation over real SMTP: held aliases, sender rules, first contact, approve and reject.</summary>
public sealed class ModerationTests
{
    private const string Alias = "x7g2@mask.example.com";

    internal static async Task SendAsync(RelayFixture relay, string from, string subject, string to = Alias)
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", relay.SmtpPort, MailKit.Security.SecureSocketOptions.None);
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Sender", from));
        message.To.Add(new MailboxAddress(string.Empty, to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "hello from " + from };
        await smtp.SendAsync(message);
        await smtp.DisconnectAsync(true);
    }

    /// <summary>Waits until the held store lists at least <paramref name="count"/> undecided messages; returns them.</summary>
    internal static Task<IReadOnlyList<HeldMessage>> WaitForHeldAsync(RelayFixture relay, int count)
    {
        var held = relay.Services.GetRequiredService<IHeldStore>();
        return Eventually.ValueAsync(
            () => held.ListAsync(HeldQuery.All, default),
            list => list.Count >= count,
            $"the held store lists {count} message(s)",
            RelayFixture.IdleTimeout);
    }

    private static Task RuleAsync(RelayFixture relay, string pattern, SenderRuleAction action, bool silent = false, string? alias = null) =>
        relay.Services.GetRequiredService<ISenderRuleStore>().SetAsync(new SenderRule(pattern, alias, action, silent, DateTimeOffset.UtcNow, "test"), default);

    private static Moderator Moderator(RelayFixture relay) => relay.Services.GetRequiredService<Moderator>();

    private static int RawFiles(RelayFixture relay) =>
        StoredCopies.Count(relay.DataDir);

    [Fact]
    public async Task A_held_alias_accepts_mail_into_the_held_store_and_approval_delivers_it_once()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync(Alias, "john@real.example.org");
        await relay.Services.GetRequiredService<IAliasAdmin>().SetStatusAsync(Alias, AliasStatus.Held, default);

        await SendAsync(relay, "shop@brand.example", "wait for it");
        var held = Assert.Single(await WaitForHeldAsync(relay, 1));
        Assert.Equal(("shop@brand.example", "wait for it", "alias held"), (held.Sender, held.Subject, held.Reason));
        Assert.Empty(await relay.SettleWithControlAsync());

        Assert.Equal(1, await Moderator(relay).ApproveAsync(new HeldQuery(Ids: [held.Id]), "test:alice", "looks fine", allowSender: false, default));
        Assert.Equal(0, await Moderator(relay).ApproveAsync(new HeldQuery(Ids: [held.Id]), "test:alice", null, allowSender: false, default));
        var mail = Assert.Single(await relay.WaitForDeliveredAsync(1));
        Assert.Equal("wait for it", mail.Header("Subject"));
        Assert.Equal(["john@real.example.org"], mail.To);

        // Once: a second copy queued by the approval would have gone out before the control sent after it.
        Assert.Single(await relay.SettleWithControlAsync());
        var decided = (await relay.Services.GetRequiredService<IHeldStore>().GetAsync(held.Id, default))!;
        Assert.Equal((HeldState.Approved, "test:alice", "looks fine"), (decided.State, decided.Decision!.By, decided.Decision.Reason));
        Assert.Equal(0, RawFiles(relay));
    }

    [Fact]
    public async Task Rejected_held_mail_is_never_delivered_and_its_stored_copy_is_deleted()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync(Alias, "john@real.example.org");
        await relay.Services.GetRequiredService<IAliasAdmin>().SetStatusAsync(Alias, AliasStatus.Held, default);
        await SendAsync(relay, "shop@brand.example", "one");
        await SendAsync(relay, "shop@brand.example", "two");
        Assert.Equal(2, (await WaitForHeldAsync(relay, 2)).Count);
        Assert.Equal(2, RawFiles(relay));

        Assert.Equal(2, await Moderator(relay).RejectAsync(new HeldQuery(Alias: Alias), "test", "spam", default));
        await relay.Services.GetRequiredService<IAliasAdmin>().SetStatusAsync(Alias, AliasStatus.Active, default);
        Assert.Empty(await relay.SettleWithControlAsync());
        Assert.Equal(0, RawFiles(relay));
    }

    [Fact]
    public async Task A_blocked_sender_is_refused_with_550_at_RCPT_and_an_author_block_at_DATA()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync(Alias, "john@real.example.org");
        await RuleAsync(relay, "@spam.example", SenderRuleAction.Block);

        await using (var smtp = await SmtpWireClient.ConnectAsync(relay.SmtpPort))
        {
            await smtp.ReadReplyAsync();
            await smtp.CommandAsync("EHLO client.test");
            Assert.StartsWith("250", await smtp.CommandAsync("MAIL FROM:<bulk@spam.example>"), StringComparison.Ordinal);
            Assert.StartsWith("550 5.7.1", await smtp.CommandAsync($"RCPT TO:<{Alias}>"), StringComparison.Ordinal);

            // Envelope looks clean, the author does not: refused at the end of DATA.
            await smtp.CommandAsync("RSET");
            Assert.StartsWith("250", await smtp.CommandAsync("MAIL FROM:<bounce@esp.example>"), StringComparison.Ordinal);
            Assert.StartsWith("250", await smtp.CommandAsync($"RCPT TO:<{Alias}>"), StringComparison.Ordinal);
            Assert.StartsWith("354", await smtp.CommandAsync("DATA"), StringComparison.Ordinal);
            Assert.StartsWith("550 5.7.1", await smtp.CommandAsync("From: bulk@spam.example\r\nSubject: buy\r\n\r\nnow\r\n."), StringComparison.Ordinal);
        }

        Assert.Empty(await relay.SettleWithControlAsync());
        Assert.Equal(0, RawFiles(relay));
    }

    [Fact]
    public async Task An_author_block_on_one_alias_does_not_refuse_the_message_for_the_others()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync(Alias, "john@real.example.org");
        await relay.AddAliasAsync("other@mask.example.com", "jane@real.example.org");
        await RuleAsync(relay, "@spam.example", SenderRuleAction.Block, alias: Alias);

        await using (var smtp = await SmtpWireClient.ConnectAsync(relay.SmtpPort))
        {
            await smtp.ReadReplyAsync();
            await smtp.CommandAsync("EHLO client.test");
            Assert.StartsWith("250", await smtp.CommandAsync("MAIL FROM:<bounce@esp.example>"), StringComparison.Ordinal);
            Assert.StartsWith("250", await smtp.CommandAsync($"RCPT TO:<{Alias}>"), StringComparison.Ordinal);
            Assert.StartsWith("250", await smtp.CommandAsync("RCPT TO:<other@mask.example.com>"), StringComparison.Ordinal);
            Assert.StartsWith("354", await smtp.CommandAsync("DATA"), StringComparison.Ordinal);

            // The alias that blocks the author does not get it; the other one does, so the message is accepted.
            Assert.StartsWith("250", await smtp.CommandAsync("From: bulk@spam.example\r\nSubject: buy\r\n\r\nnow\r\n."), StringComparison.Ordinal);
        }

        var mail = Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(10)));
        Assert.Equal(["jane@real.example.org"], mail.To);
        Assert.Single(await relay.SettleWithControlAsync());
    }

    [Fact]
    public async Task A_silent_block_answers_250_and_drops_the_mail()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync(Alias, "john@real.example.org");
        await RuleAsync(relay, "pest@spam.example", SenderRuleAction.Block, silent: true, alias: Alias);

        await SendAsync(relay, "pest@spam.example", "you will not see this");
        await SendAsync(relay, "friend@spam.example", "but this");
        Assert.Equal("but this", Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(10))).Header("Subject"));
        Assert.Single(await relay.SettleWithControlAsync());
        Assert.Empty(await relay.Services.GetRequiredService<IHeldStore>().ListAsync(HeldQuery.All, default));
    }

    [Fact]
    public async Task A_held_sender_is_held_but_an_allowed_address_overrides_the_hold()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync(Alias, "john@real.example.org");
        await RuleAsync(relay, "@brand.example", SenderRuleAction.Hold);
        await RuleAsync(relay, "ceo@brand.example", SenderRuleAction.Allow);

        await SendAsync(relay, "news@brand.example", "newsletter");
        await SendAsync(relay, "ceo@brand.example", "personal");
        Assert.Equal("personal", Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(10))).Header("Subject"));
        var held = Assert.Single(await WaitForHeldAsync(relay, 1));
        Assert.Equal(("news@brand.example", "newsletter"), (held.Sender, held.Subject));
        Assert.Contains("hold @brand.example", held.Reason, StringComparison.Ordinal);
        Assert.Single(await relay.SettleWithControlAsync());
    }

    [Fact]
    public async Task First_contact_holds_the_first_message_and_approving_with_allow_sender_lets_the_next_through()
    {
        await using var relay = await RelayFixture.StartAsync(new() { ["MailTumble:Moderation:FirstContact"] = "true" });
        await relay.AddAliasAsync(Alias, "john@real.example.org");

        await SendAsync(relay, "stranger@new.example", "hello?");
        var held = Assert.Single(await WaitForHeldAsync(relay, 1));
        Assert.StartsWith("first contact", held.Reason, StringComparison.Ordinal);
        Assert.Empty(await relay.SettleWithControlAsync());

        Assert.Equal(1, await Moderator(relay).ApproveAsync(new HeldQuery(Ids: [held.Id]), "test", null, allowSender: true, default));
        Assert.Equal("hello?", Assert.Single(await relay.WaitForDeliveredAsync(1)).Header("Subject"));
        var rule = Assert.Single(await relay.Services.GetRequiredService<ISenderRuleStore>().ListAsync(Alias, default));
        Assert.Equal(("stranger@new.example", Alias, SenderRuleAction.Allow), (rule.Pattern, rule.Alias, rule.Action));

        await SendAsync(relay, "stranger@new.example", "again");
        Assert.Equal(2, (await relay.WaitForDeliveredAsync(2)).Count);
        await SendAsync(relay, "other@new.example", "someone else");
        Assert.Equal("other@new.example", Assert.Single(await WaitForHeldAsync(relay, 1)).Sender);
    }

    [Fact]
    public async Task Mail_already_queued_moves_to_the_held_store_when_send_out_reaches_it()
    {
        var port = TestSmtpSink.FreePort();
        await using var relay = await RelayFixture.StartAsync(new() { ["MailTumble:Outbound:Smtp:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await relay.AddAliasAsync(Alias, "john@real.example.org");
        await SendAsync(relay, "shop@brand.example", "queued before the hold");
        var queue = relay.Services.GetRequiredService<IOutgoingQueue>();
        await Eventually.TrueAsync(async () => (await queue.GetStatsAsync(default)).Deferred > 0, "the delivery failed against the closed port and waits for a retry");

        await relay.Services.GetRequiredService<IAliasAdmin>().SetStatusAsync(Alias, AliasStatus.Held, default);
        await using var late = new TestSmtpSink(port);
        var held = Assert.Single(await WaitForHeldAsync(relay, 1));
        Assert.Equal(("shop@brand.example", "alias held (moved from the queue)"), (held.Sender, held.Reason));
        Assert.Equal(0, (await queue.GetStatsAsync(default)).Depth);
        Assert.Empty(await relay.SettleWithControlAsync(late));
        Assert.Equal(1, RawFiles(relay));

        // Approved mail is not held again although the alias still is.
        Assert.Equal(1, await Moderator(relay).ApproveAsync(HeldQuery.All, "test", null, allowSender: false, default));
        Assert.Equal("queued before the hold", Assert.Single(await relay.WaitForDeliveredAsync(1, late)).Header("Subject"));
    }

    [Fact]
    public async Task Mail_for_a_held_and_an_active_alias_is_delivered_to_one_and_its_stored_copy_kept_for_the_other()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync(Alias, "john@real.example.org");
        await relay.AddAliasAsync("open@mask.example.com", "jane@real.example.org");
        await relay.Services.GetRequiredService<IAliasAdmin>().SetStatusAsync(Alias, AliasStatus.Held, default);

        using (var smtp = new SmtpClient())
        {
            await smtp.ConnectAsync("127.0.0.1", relay.SmtpPort, MailKit.Security.SecureSocketOptions.None);
            var message = new MimeMessage();
            message.From.Add(new MailboxAddress("Shop", "shop@brand.example"));
            message.To.Add(new MailboxAddress(string.Empty, Alias));
            message.To.Add(new MailboxAddress(string.Empty, "open@mask.example.com"));
            message.Subject = "to both";
            message.Body = new TextPart("plain") { Text = "hi" };
            await smtp.SendAsync(message);
            await smtp.DisconnectAsync(true);
        }

        Assert.Equal(["jane@real.example.org"], Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(10))).To);
        var held = Assert.Single(await WaitForHeldAsync(relay, 1));

        // The delivery to the active alias is done, stored copy and all: the copy stays for the held one.
        Assert.Single(await relay.SettleWithControlAsync());
        Assert.Equal(1, RawFiles(relay));

        Assert.Equal(1, await Moderator(relay).RejectAsync(new HeldQuery(Ids: [held.Id]), "test", null, default));
        Assert.Equal(0, RawFiles(relay));
        Assert.Single(relay.Delivered());
    }

    [Theory]
    [InlineData("MailTumble:Moderation:HeldTtl", "00:00:01")]
    [InlineData("MailTumble:Moderation:SweepInterval", "00:00:00")]
    public async Task A_bad_moderation_setting_stops_start_up_with_its_name(string key, string value)
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => RelayFixture.StartAsync(new() { [key] = value }));
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }
}
