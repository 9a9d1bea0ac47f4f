using MailTumble.Core.Aliases;
using MailTumble.Core.Moderation;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Tests;

/// <summary>Sub-addressing and catch-all over real SMTP, on the embedded (SQLite) directory.</summary>
public sealed class SubAddressAndCatchAllEndToEndTests
{
    [Fact]
    public async Task A_tagged_address_reaches_its_alias_with_the_tag_in_a_header_and_rules_can_name_the_tag()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync("john@mask.example.com", "john@real.example.org");
        var rules = relay.Services.GetRequiredService<ISenderRuleStore>();
        await rules.SetAsync(new SenderRule("shop@brand.example", "john+spam@mask.example.com", SenderRuleAction.Block, Silent: false, DateTimeOffset.UtcNow, "test"), default);

        Assert.StartsWith("550 5.7.1", await RelaySmtp.RcptAsync(relay, "john+spam@mask.example.com"));
        await RelaySmtp.SendAsync(relay, "tagged", "John+News@mask.example.com");
        await RelaySmtp.SendAsync(relay, "plain", "john@mask.example.com");
        await relay.WaitForIdleAsync();

        var mail = relay.Sink.Messages.ToList();
        var tagged = Assert.Single(mail, m => m.Header("Subject") == "tagged");
        Assert.Equal(["john@real.example.org"], tagged.To);
        Assert.Equal("news", tagged.Header("X-MailTumble-Tag"));
        Assert.Null(Assert.Single(mail, m => m.Header("Subject") == "plain").Header("X-MailTumble-Tag"));
    }

    [Fact]
    public async Task A_sender_cannot_forge_the_tag_header()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync("john@mask.example.com", "john@real.example.org");
        var (_, data) = await RelaySmtp.TransactAsync(relay.SmtpPort, "shop@brand.example", ["john@mask.example.com"], "X-MailTumble-Tag: bank\r\nSubject: forged\r\n\r\nbody\r\n");
        Assert.StartsWith("250", data);
        await relay.WaitForIdleAsync();
        Assert.Null(Assert.Single(relay.Sink.Messages).Header("X-MailTumble-Tag"));
    }

    [Fact]
    public async Task With_the_separator_empty_a_tagged_address_is_unknown()
    {
        await using var relay = await RelayFixture.StartAsync(new() { ["MailTumble:SubAddressSeparator"] = string.Empty });
        await relay.AddAliasAsync("john@mask.example.com", "john@real.example.org");
        Assert.StartsWith("550 5.1.1", await RelaySmtp.RcptAsync(relay, "john+news@mask.example.com"));
        Assert.StartsWith("250", await RelaySmtp.RcptAsync(relay, "john@mask.example.com"));
    }

    [Fact]
    public async Task A_catch_all_takes_unknown_addresses_an_exact_alias_wins_and_switching_it_off_refuses_them()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync("john@mask.example.com", "john@real.example.org");
        await relay.AddAliasAsync("@mask.example.com", "catchall@real.example.org");

        await RelaySmtp.SendAsync(relay, "anyone", "whoever@mask.example.com");
        await RelaySmtp.SendAsync(relay, "exact", "john@mask.example.com");
        await relay.WaitForIdleAsync();
        var mail = relay.Sink.Messages.ToList();
        var anyone = Assert.Single(mail, m => m.Header("Subject") == "anyone");
        Assert.Equal(["catchall@real.example.org"], anyone.To);
        // The address as mailed is the one shown, not the catch-all entry.
        Assert.Contains("whoever@mask.example.com", anyone.Header("From"), StringComparison.Ordinal);
        Assert.Equal(["john@real.example.org"], Assert.Single(mail, m => m.Header("Subject") == "exact").To);

        // Per-domain off: the catch-all entry disabled makes unknown addresses unknown again; exact aliases still work.
        Assert.True(await relay.Services.GetRequiredService<IAliasAdmin>().SetStatusAsync("@mask.example.com", AliasStatus.Disabled, default));
        Assert.StartsWith("550 5.1.1 <nobody@mask.example.com>: Recipient address rejected: no such alias", await RelaySmtp.RcptAsync(relay, "nobody@mask.example.com"));
        Assert.StartsWith("250", await RelaySmtp.RcptAsync(relay, "john@mask.example.com"));
    }
}
