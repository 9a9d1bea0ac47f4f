using System.Text;
using MailTumble.Core.Replies;
using MailTumble.Testing;
using MailTumble.Testing.Replies;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Xunit.Abstractions;

namespace MailTumble.Tests;

/// <summary>
/// Two-way masking over real SMTP on loopback: a correspondent writes to an alias, the owner replies from the target
/// address to the Reply-To they received, and the correspondents get the reply from the alias with nothing of the
/// owner's address in it. Anyone else is refused and nothing of theirs is delivered.
/// </summary>
public sealed class TwoWayMaskingEndToEndTests(ITestOutputHelper output)
{
    private const string Alias = "x7g2@mask.example.com";
    private const string Owner = "john@real.example.org";

    [Fact]
    public async Task A_reply_through_the_mask_reaches_every_correspondent_from_the_alias_and_never_reveals_the_owner()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync(Alias, Owner);

        // 1. The shop writes to the alias, with Bob in copy.
        var original = "From: Brand Shop <shop@brand.example>\r\nTo: x7g2@mask.example.com\r\nCc: Bob <bob@other.example>\r\n"
            + "Subject: your order\r\nDate: Sat, 28 Nov 2026 12:00:00 +0000\r\nMessage-ID: <m1@brand.example>\r\n\r\nYour order has shipped.\r\n";
        var sent = await RelaySmtp.TransactAsync(relay.SmtpPort, "shop@brand.example", [Alias], original);
        Assert.StartsWith("250", sent.Data);
        var forwarded = MimeMessage.Load(new MemoryStream(Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(20))).Data));
        var replyTo = Assert.Single(forwarded.ReplyTo.Mailboxes);
        var bob = Assert.Single(forwarded.Cc.Mailboxes);
        Assert.EndsWith("@mask.example.com", replyTo.Address, StringComparison.Ordinal);
        Assert.EndsWith("@mask.example.com", bob.Address, StringComparison.Ordinal);
        Assert.Equal("shop@brand.example", relay.Services.GetRequiredService<TwoWayMasking>().Aliases.Parse(replyTo.Address)!.Correspondent);

        // 2. The owner answers all from their real mailbox, as Gmail writes it.
        var reply = ReplySamples.Gmail(Owner, "John Smith", $"{replyTo}, {bob}", $"Brand Shop <{Alias}>", forwarded.MessageId!);
        var answered = await RelaySmtp.TransactAsync(relay.SmtpPort, Owner, [replyTo.Address, bob.Address], reply);
        Assert.All(answered.Recipients, r => Assert.StartsWith("250", r));
        Assert.StartsWith("250", answered.Data);

        var all = await relay.Sink.WaitForAsync(3, TimeSpan.FromSeconds(20));
        var replies = all.Skip(1).ToList();
        Assert.Equal(["bob@other.example", "shop@brand.example"], replies.SelectMany(m => m.To).Order(StringComparer.Ordinal));
        foreach (var mail in replies)
        {
            Assert.Empty(Leaks.Find(mail.Data, Owner));
            Assert.DoesNotContain("real.example.org", mail.Text, StringComparison.OrdinalIgnoreCase);
            var message = MimeMessage.Load(new MemoryStream(mail.Data));
            Assert.Equal(Alias, Assert.Single(message.From.Mailboxes).Address);
            Assert.Equal(["shop@brand.example", "bob@other.example"], message.To.Mailboxes.Select(m => m.Address));
            Assert.Equal("<m1@brand.example>", message.Headers["In-Reply-To"]);
            Assert.StartsWith("bounces+", mail.From, StringComparison.Ordinal);
            Assert.EndsWith("@mask.example.com", mail.From, StringComparison.Ordinal);
        }

        var shopCopy = replies.Single(m => m.To.Single() == "shop@brand.example");
        output.WriteLine("Delivered reply (header section), as the shop's server received it:");
        output.WriteLine(shopCopy.Text[..shopCopy.Text.IndexOf("\r\n\r\n", StringComparison.Ordinal)]);

        // 3. The shop answers the reply: the owner gets it threaded with what they sent (the sealed id opens again).
        var answer = $"From: Brand Shop <shop@brand.example>\r\nTo: {Alias}\r\nSubject: Re: your order\r\nMessage-ID: <m2@brand.example>\r\n"
            + $"In-Reply-To: {MimeMessage.Load(new MemoryStream(shopCopy.Data)).Headers["Message-ID"]}\r\n\r\nGreat.\r\n";
        Assert.StartsWith("250", (await RelaySmtp.TransactAsync(relay.SmtpPort, "shop@brand.example", [Alias], answer)).Data);
        var threaded = MimeMessage.Load(new MemoryStream((await relay.Sink.WaitForAsync(4, TimeSpan.FromSeconds(20)))[3].Data));
        Assert.Equal("<CAHx8Kb7=Jq3uT4+Zy1a2b3c4d5e6f7g8h9@mail.real.example.org>", threaded.Headers["In-Reply-To"]);
    }

    [Fact]
    public async Task A_reply_from_any_other_address_to_the_reverse_alias_is_refused_and_nothing_is_delivered()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync(Alias, Owner);
        var reverse = relay.Services.GetRequiredService<TwoWayMasking>().Aliases.Create(Alias, "shop@brand.example")!;

        // Another address entirely, refused at RCPT.
        var stranger = await RelaySmtp.TransactAsync(relay.SmtpPort, "mallory@evil.example", [reverse], ReplySamples.AppleMail("mallory@evil.example", "Mallory", reverse, null, "x"));
        Assert.StartsWith("550 5.7.1", Assert.Single(stranger.Recipients));
        Assert.Null(stranger.Data);

        // The owner's address in the envelope but someone else in From: refused after DATA.
        var spoofed = await RelaySmtp.TransactAsync(relay.SmtpPort, Owner, [reverse], ReplySamples.AppleMail("ceo@brand.example", "CEO", reverse, null, "x"));
        Assert.StartsWith("250", Assert.Single(spoofed.Recipients));
        Assert.StartsWith("550 5.7.1", spoofed.Data);

        // A forged reverse alias (altered tag) is no reverse alias: unknown, refused.
        var forged = reverse[..(reverse.IndexOf('@') - 1)] + (reverse[reverse.IndexOf('@') - 1] == 'a' ? 'b' : 'a') + reverse[reverse.IndexOf('@')..];
        Assert.StartsWith("550 5.1.1", Assert.Single((await RelaySmtp.TransactAsync(relay.SmtpPort, Owner, [forged], "x\r\n")).Recipients));

        // The control: the owner's genuine reply, sent last, is the only thing the shop receives.
        var genuine = await RelaySmtp.TransactAsync(relay.SmtpPort, Owner, [reverse], ReplySamples.AppleMail(Owner, "John", reverse, null, $"Shop <{Alias}>"));
        Assert.StartsWith("250", genuine.Data);
        await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(20));
        await relay.WaitForIdleAsync();
        var delivered = Assert.Single(relay.Sink.Messages);
        Assert.Equal(["shop@brand.example"], delivered.To);
        Assert.Contains("Sounds good.", delivered.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("mallory", delivered.Text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_owner_starts_a_conversation_through_the_address_alias_reverse_prints()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync(Alias, Owner);
        var output = new StringWriter();
        var configuration = Hosting.MailTumbleConfiguration.Build(new Dictionary<string, string?> { ["MailTumble:DataDir"] = relay.DataDir, ["Logging:LogLevel:Default"] = "Warning" });
        Assert.Equal(0, await MailTumbleCli.RunAsync(["alias", "reverse", Alias, "New.Contact@Partner.example"], output, new StringWriter(), () => Stream.Null, configuration));
        var reverse = output.ToString().Trim();
        Assert.Matches(@"^x7g2\+new\.contact=partner\.example\.[a-z2-7]{10}@mask\.example\.com$", reverse);

        var first = $"From: John <{Owner}>\r\nTo: {reverse}\r\nSubject: hello\r\nMessage-ID: <first@{"real.example.org"}>\r\n\r\nHi, this is x7g2.\r\n";
        Assert.StartsWith("250", (await RelaySmtp.TransactAsync(relay.SmtpPort, Owner, [reverse], first)).Data);
        var mail = Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(20)));
        Assert.Equal(["new.contact@partner.example"], mail.To);
        Assert.Empty(Leaks.Find(mail.Data, Owner));
    }

    [Fact]
    public async Task The_owner_address_inside_an_encoded_word_and_a_base64_part_of_a_reply_is_not_delivered()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync(Alias, Owner);
        var reverse = relay.Services.GetRequiredService<TwoWayMasking>().Aliases.Create(Alias, "shop@brand.example")!;

        // The owner's address only where a byte search cannot see it: an RFC 2047 Subject and a base64 text part.
        var subject = "=?UTF-8?B?" + Convert.ToBase64String(Encoding.UTF8.GetBytes("Re: Frage von JOHN@real.example.org \u00fc")) + "?=";
        var text = Convert.ToBase64String(Encoding.UTF8.GetBytes("Schreib mir an john@REAL.example.org, danke.\r\n"), Base64FormattingOptions.InsertLineBreaks);
        var reply = $"From: John <{Owner}>\r\nTo: {reverse}\r\nSubject: {subject}\r\nMessage-ID: <r9@real.example.org>\r\nMIME-Version: 1.0\r\n"
            + $"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{text}\r\n";
        Assert.NotEmpty(Leaks.Find(Encoding.ASCII.GetBytes(reply), Owner));
        Assert.DoesNotContain(Owner, reply.Replace($"<{Owner}>", string.Empty, StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);

        Assert.StartsWith("250", (await RelaySmtp.TransactAsync(relay.SmtpPort, Owner, [reverse], reply)).Data);
        var mail = Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(20)));
        Assert.Empty(Leaks.Find(mail.Data, Owner));
        Assert.Empty(Leaks.Find(mail.Data, "real.example.org"));
        var message = MimeMessage.Load(new MemoryStream(mail.Data));
        Assert.Equal("Re: Frage von x7g2@mask.example.com \u00fc", message.Subject);
        Assert.Contains("Schreib mir an x7g2@mask.example.com, danke.", message.TextBody, StringComparison.Ordinal);
    }
}
