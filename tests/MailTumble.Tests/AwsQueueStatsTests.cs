using System.Text;
using MailTumble.Hosting;
using MailTumble.Testing;

namespace MailTumble.Tests;

/// <summary><c>queue stats</c> in AWS mode: one figure for what was sent, never the queue's 0 next to send-out's count.</summary>
public sealed class AwsQueueStatsTests
{
    [SkippableFact]
    public async Task Queue_stats_in_aws_mode_says_what_the_running_send_out_sent_not_zero()
    {
        using var aws = await AwsEmulator.CreateAsync();
        foreach (var (name, value) in AwsEmulator.CredentialVariables)
        {
            Environment.SetEnvironmentVariable(name, Environment.GetEnvironmentVariable(name) ?? value);
        }

        var settings = aws.Settings();
        settings["MailTumble:Aws:InboundQueueUrl"] = null;
        await using var relay = await RelayFixture.StartAsync(settings);
        await relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
        for (var i = 0; i < 3; i++)
        {
            await RelaySmtp.SendAsync(relay, $"stats {i}", "x7g2@mask.example.com");
        }

        await relay.Sink.WaitForAsync(3, TimeSpan.FromSeconds(30));

        // The CLI is another process on the same data directory: the queue (SQS) cannot count what was sent.
        settings["MailTumble:DataDir"] = relay.DataDir;
        settings["Logging:LogLevel:Default"] = "None";
        var stats = await Eventually.ValueAsync(
            async () =>
            {
                var output = new StringWriter();
                await MailTumbleCli.RunAsync(["queue", "stats"], output, new StringWriter(), () => Stream.Null, MailTumbleConfiguration.Build(settings));
                return output.ToString();
            },
            text => text.Contains("last minute       sent 3,", StringComparison.Ordinal),
            "the running send-out has published that it sent 3");
        Assert.Contains("sent last minute  3 (by the serve on this data directory; SQS does not count deliveries)\n", stats, StringComparison.Ordinal);
    }
}
