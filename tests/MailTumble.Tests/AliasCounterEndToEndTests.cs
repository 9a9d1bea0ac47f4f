using System.Diagnostics.Metrics;
using System.Net.Http;
using System.Text.Json;
using MailTumble.Core.Moderation;
using MailTumble.Core.Replies;
using MailTumble.Testing;
using MailTumble.Testing.Replies;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Tests;

/// <summary>
/// Per-alias counters end to end: forwarded, replied and blocked mail over real SMTP, counted in memory, written to
/// SQLite in batches, shown by <c>alias show</c> (another process's view of the file, also after the relay stopped),
/// <c>GET /aliases/{a}</c> and the metrics.
/// </summary>
public sealed class AliasCounterEndToEndTests
{
    private const string Alias = "count7@mask.example.com";
    private const string Owner = "john@real.example.org";

    [Fact]
    public async Task Forwarded_replied_and_blocked_mail_is_counted_durably_and_shown_by_alias_show_the_api_and_metrics()
    {
        var relay = await RelayFixture.StartAsync();
        var dataDir = relay.DataDir;
        var top = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "mailtumble.alias.top")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, state) =>
        {
            string? alias = null, kind = null;
            foreach (var tag in tags)
            {
                alias = tag.Key == "alias" ? tag.Value as string : alias;
                kind = tag.Key == "kind" ? tag.Value as string : kind;
            }

            if (alias == Alias)
            {
                lock (top)
                {
                    top[kind!] = value;
                }
            }
        });
        listener.Start();
        try
        {
            await relay.AddAliasAsync(Alias, Owner);
            await relay.Services.GetRequiredService<ISenderRuleStore>().SetAsync(new SenderRule("@spam.example", Alias, SenderRuleAction.Block, false, DateTimeOffset.UtcNow, "test"), default);

            // Two forwarded, one refused at RCPT by the alias's rule, one reply from the owner.
            foreach (var n in new[] { 1, 2 })
            {
                var mail = $"From: Shop <shop@brand.example>\r\nTo: {Alias}\r\nSubject: order {n}\r\nMessage-ID: <o{n}@brand.example>\r\n\r\nShipped.\r\n";
                Assert.StartsWith("250", (await RelaySmtp.TransactAsync(relay.SmtpPort, "shop@brand.example", [Alias], mail)).Data);
            }

            var refused = await RelaySmtp.TransactAsync(relay.SmtpPort, "pest@spam.example", [Alias], "From: pest@spam.example\r\nSubject: buy\r\n\r\nx\r\n");
            Assert.StartsWith("550 5.7.1", Assert.Single(refused.Recipients));
            var reverse = relay.Services.GetRequiredService<TwoWayMasking>().Aliases.Create(Alias, "shop@brand.example")!;
            Assert.StartsWith("250", (await RelaySmtp.TransactAsync(relay.SmtpPort, Owner, [reverse], ReplySamples.AppleMail(Owner, "John", reverse, null, $"Shop <{Alias}>"))).Data);
            await relay.Sink.WaitForAsync(3, TimeSpan.FromSeconds(20));
            await relay.WaitForIdleAsync();

            // The API reads the live counters; alias show, in its own services, reads what was written to the file.
            using var http = new HttpClient { BaseAddress = new Uri(relay.ApiBase) };
            await Eventually.TrueAsync(async () => Counters(await http.GetStringAsync(new Uri($"/aliases/{Alias}", UriKind.Relative))) == (2, 1, 1), "GET /aliases shows 2 forwarded, 1 replied, 1 blocked");
            await Eventually.TrueAsync(async () => Show(await AliasShowAsync(dataDir)) == (2, 1, 1), "alias show reads 2/1/1 from SQLite");

            listener.RecordObservableInstruments();
            lock (top)
            {
                Assert.Equal((2, 1, 1), (top.GetValueOrDefault("forwarded"), top.GetValueOrDefault("replied"), top.GetValueOrDefault("blocked")));
            }

            // Lists stay as they were: no counters there.
            Assert.DoesNotContain("\"counters\"", await http.GetStringAsync(new Uri("/aliases", UriKind.Relative)), StringComparison.Ordinal);

            // Stopped: the counts are in the file, not in the process.
            await relay.App.StopAsync();
            Assert.Equal((2, 1, 1), Show(await AliasShowAsync(dataDir)));
        }
        finally
        {
            await relay.DisposeAsync();
        }
    }

    [Fact]
    public async Task Mail_refused_at_rcpt_because_the_alias_is_disabled_counts_as_blocked_for_it()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync(Alias, Owner);
        using var http = new HttpClient { BaseAddress = new Uri(relay.ApiBase) };
        using var patch = new StringContent("{\"disabled\": true}", System.Text.Encoding.UTF8, "application/json");
        (await http.PatchAsync(new Uri($"/aliases/{Alias}", UriKind.Relative), patch)).EnsureSuccessStatusCode();

        Assert.StartsWith("550 5.2.1", await RelaySmtp.RcptAsync(relay, Alias));
        Assert.StartsWith("550 5.2.1", await RelaySmtp.RcptAsync(relay, Alias));
        await Eventually.TrueAsync(async () => Counters(await http.GetStringAsync(new Uri($"/aliases/{Alias}", UriKind.Relative))) == (0, 0, 2), "GET /aliases shows 2 blocked");
    }

    private static (long, long, long) Counters(string json)
    {
        var counters = JsonDocument.Parse(json).RootElement.GetProperty("counters");
        return (counters.GetProperty("forwarded").GetInt64(), counters.GetProperty("replied").GetInt64(), counters.GetProperty("blocked").GetInt64());
    }

    private static (long, long, long) Show(string text)
    {
        long Value(string name) => long.Parse(text.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal))[name.Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        return (Value("forwarded"), Value("replied"), Value("blocked"));
    }

    private static async Task<string> AliasShowAsync(string dataDir)
    {
        var output = new StringWriter();
        var configuration = Hosting.MailTumbleConfiguration.Build(new Dictionary<string, string?> { ["MailTumble:DataDir"] = dataDir, ["Logging:LogLevel:Default"] = "Warning" });
        Assert.Equal(0, await MailTumbleCli.RunAsync(["alias", "show", Alias], output, new StringWriter(), () => Stream.Null, configuration));
        return output.ToString();
    }
}
