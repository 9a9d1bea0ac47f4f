using MailTumble.Core.Aliases;
using MailTumble.Core.Receiving;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace MailTumble.Tests;

/// <summary>Aliases created on first use (<c>MailTumble:Domains:{d}:AutoCreate</c>), limited per domain.</summary>
public sealed class AutoCreateTests(ITestOutputHelper output)
{
    private const string Domain = "auto.example.com";
    private const int Limit = 25;

    private static Dictionary<string, string?> Settings(int limit = Limit) => new()
    {
        ["MailTumble:Domains:0"] = "mask.example.com",
        [$"MailTumble:Domains:{Domain}:AutoCreate"] = "true",
        [$"MailTumble:Domains:{Domain}:DefaultTarget"] = "owner@real.example.org",
        [$"MailTumble:Domains:{Domain}:AutoCreateLimit"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task Mail_to_an_unknown_local_part_creates_the_alias_and_is_forwarded_to_the_default_target()
    {
        await using var relay = await RelayFixture.StartAsync(Settings());
        await relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
        Assert.Empty(await relay.Services.GetRequiredService<IAliasAdmin>().ListAsync("shop", null, 5, default));

        await RelaySmtp.SendAsync(relay, "first", "Shop1@auto.example.com");
        await RelaySmtp.SendAsync(relay, "tagged", "shop2+deals@auto.example.com");
        await relay.WaitForIdleAsync();

        var admin = relay.Services.GetRequiredService<IAliasAdmin>();
        var created = (await admin.ListAsync("shop", null, 10, default)).Select(a => (a.Address, a.Target)).ToList();
        Assert.Equal([("shop1@auto.example.com", "owner@real.example.org"), ("shop2@auto.example.com", "owner@real.example.org")], created);
        Assert.Equal(2, relay.Sink.Messages.Count(m => m.To.SequenceEqual(["owner@real.example.org"])));
        Assert.Equal("deals", relay.Sink.Messages.Single(m => m.Header("Subject") == "tagged").Header("X-MailTumble-Tag"));

        // Other domains are unchanged: unknown is unknown.
        Assert.StartsWith("550 5.1.1", await RelaySmtp.RcptAsync(relay, "nobody@mask.example.com"));
        Assert.Empty(await admin.ListAsync("nobody@", null, 5, default));
    }

    [Fact]
    public async Task A_dictionary_attack_of_ten_thousand_local_parts_creates_only_the_domains_limit()
    {
        await using var relay = await RelayFixture.StartAsync(Settings());
        await relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
        var intake = relay.Services.GetRequiredService<MessageIntake>();

        // The RCPT decision the SMTP listener asks for, 10,000 times, one unknown local part each.
        var replies = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < 10_000; i++)
        {
            var decision = await intake.CheckRecipientAsync("attacker@spam.example", $"guess{i:D5}@{Domain}", default);
            var text = decision.Reply.ToString();
            var key = text.Replace($"guess{i:D5}", "guessNNNNN", StringComparison.Ordinal);
            replies[key] = replies.GetValueOrDefault(key) + 1;
        }

        var admin = relay.Services.GetRequiredService<IAliasAdmin>();
        var created = await admin.ListAsync("guess", null, 10_000, default);
        output.WriteLine($"local parts tried: 10000, aliases created: {created.Count} (limit {Limit} per hour)");
        foreach (var (reply, count) in replies.OrderByDescending(p => p.Value))
        {
            output.WriteLine($"{count,6} x {reply}");
        }

        Assert.Equal(Limit, created.Count);
        Assert.Equal(Limit, replies.Where(p => p.Key.StartsWith("250", StringComparison.Ordinal)).Sum(p => p.Value));
        Assert.Equal(10_000 - Limit, replies.GetValueOrDefault("550 5.1.1 <guessNNNNN@auto.example.com>: Recipient address rejected: no such alias"));

        // Over SMTP too, after the attack: the next unknown address is refused, an alias created before still works.
        Assert.StartsWith("550 5.1.1", await RelaySmtp.RcptAsync(relay, $"late@{Domain}"));
        Assert.StartsWith("250", await RelaySmtp.RcptAsync(relay, created[0].Address));
        Assert.StartsWith("250", await RelaySmtp.RcptAsync(relay, "x7g2@mask.example.com"));
    }

    [Fact]
    public async Task Auto_create_without_a_default_target_stops_start_naming_the_setting()
    {
        var settings = Settings();
        settings.Remove($"MailTumble:Domains:{Domain}:DefaultTarget");
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await (await RelayFixture.StartAsync(settings)).DisposeAsync());
        Assert.Contains($"MailTumble:Domains:{Domain}:DefaultTarget", error.ToString(), StringComparison.Ordinal);
    }
}
