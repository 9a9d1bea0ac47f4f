using System.Diagnostics.Metrics;
using MailTumble.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Tests;

/// <summary>
/// A burst coming in over real SMTP has the relay first (<c>MailTumble:Outbound:IntakeFirstAbove</c>,
/// <c>SendShareWhileReceiving</c>): while it lasts, sends wait for their turn (<c>mailtumble.send.yielded</c>), and
/// once it is over every message goes out.
/// </summary>
public sealed class IntakeFirstEndToEndTests
{
    private const string Alias = "burst7@mask.example.com";

    [Theory]
    [InlineData("0.01", true)]
    [InlineData("1", false)]
    public async Task While_a_burst_comes_in_sends_wait_for_their_turn_and_everything_goes_out_once_it_is_over(string share, bool yields)
    {
        // A burst here is any message in the last half second; the send-out may then send a hundredth of the intake
        // rate, under one a second (the provider would take 1000 a second). A share of 1 turns yielding off.
        await using var relay = await RelayFixture.StartAsync(new()
        {
            ["MailTumble:Outbound:IntakeFirstAbove"] = "1",
            ["MailTumble:Outbound:SendShareWhileReceiving"] = share,
        });
        await relay.AddAliasAsync(Alias, "john@real.example.org");

        // This relay's counter only (its meter factory): other tests' relays run in the same process.
        long yielded = 0;
        var meters = relay.Services.GetRequiredService<IMeterFactory>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "mailtumble.send.yielded" && ReferenceEquals(instrument.Meter.Scope, meters))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref yielded, value));
        listener.Start();

        // 80 messages from 4 sessions at once, each 250 one after the other.
        const int sessions = 4, each = 20;
        await Task.WhenAll(Enumerable.Range(0, sessions).Select(s => Task.Run(async () =>
        {
            for (var i = 0; i < each; i++)
            {
                var mail = $"From: shop@brand.example\r\nTo: {Alias}\r\nSubject: burst {s}-{i}\r\n\r\nHello.\r\n";
                Assert.StartsWith("250", (await RelaySmtp.TransactAsync(relay.SmtpPort, "shop@brand.example", [Alias], mail)).Data);
            }
        })));

        var delivered = await relay.Sink.WaitForAsync(sessions * each, TimeSpan.FromSeconds(30));
        Assert.Equal(sessions * each, delivered.Select(m => m.Header("Subject")).Distinct(StringComparer.Ordinal).Count());
        if (yields)
        {
            Assert.True(Interlocked.Read(ref yielded) > 0, "sends waited for their turn while the burst came in");
        }
        else
        {
            Assert.Equal(0, Interlocked.Read(ref yielded));
        }
    }
}
