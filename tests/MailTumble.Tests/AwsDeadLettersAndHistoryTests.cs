using System.Net;
using System.Text.Json;
using Amazon.S3.Model;
using MailTumble.Core.Delivery;
using MailTumble.Hosting;
using MailTumble.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmtpServer.Protocol;

namespace MailTumble.Tests;

/// <summary>
/// The AWS family keeps its dead letters and its delivery log in AWS: <c>GET /dlq/{id}</c> and <c>DELETE /dlq</c> act on
/// the SQS dead-letter queue (they used to read the process's SQLite file, where there is nothing), and the daily quota's
/// history is read from the bucket, so another process with an empty data directory sees it.
/// </summary>
public sealed class AwsDeadLettersAndHistoryTests
{
    [SkippableFact]
    public async Task Dead_letters_are_shown_and_purged_on_SQS_and_the_sent_history_is_shared()
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
        relay.Sink.Responder = attempt => attempt <= 2 ? new SmtpResponse(SmtpReplyCode.MailboxUnavailable, "5.1.1 no such user here") : null;
        using var http = new HttpClient { BaseAddress = new Uri(relay.ApiBase) };
        var started = DateTimeOffset.UtcNow;

        await RelaySmtp.SendAsync(relay, "first", "x7g2@mask.example.com");
        await RelaySmtp.SendAsync(relay, "second", "x7g2@mask.example.com");
        var dead = await Eventually.ValueAsync(
            async () => JsonDocument.Parse(await http.GetStringAsync(new Uri("/dlq", UriKind.Relative))).RootElement,
            list => list.GetArrayLength() == 2,
            "both refused deliveries are on the SQS dead-letter queue");
        var id = dead[0].GetProperty("id").GetString()!;
        var one = JsonDocument.Parse(await http.GetStringAsync(new Uri($"/dlq/{id}", UriKind.Relative))).RootElement;
        Assert.Contains("550", one.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("Subject:", one.GetProperty("headers").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri("/dlq/nope", UriKind.Relative))).StatusCode);

        // A third message goes out: the shared delivery log has it, for any process.
        await RelaySmtp.SendAsync(relay, "third", "x7g2@mask.example.com");
        Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(30)));
        using var dir = new TempDirectory();
        var other = new Dictionary<string, string?>(settings) { ["MailTumble:DataDir"] = dir.Path };
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddMailTumbleRelay(MailTumbleConfiguration.Build(other));
        await using (var provider = services.BuildServiceProvider())
        {
            var history = await Eventually.ValueAsync(
                () => provider.GetRequiredService<IDeliveryStatusStore>().SentSinceAsync(started - TimeSpan.FromSeconds(1), default),
                sent => sent.Count == 1,
                "the sent delivery is in the shared delivery log");
            Assert.InRange(history[0], started - TimeSpan.FromSeconds(1), DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1));
        }

        // Purge on SQS, with the stored messages of both dead letters (nothing else refers to them).
        await QueueApiTests.DeadLettersOlderThanAsync(relay, http, TimeSpan.FromSeconds(1));
        var purge = JsonDocument.Parse(await (await http.DeleteAsync(new Uri("/dlq?older_than=1s", UriKind.Relative))).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((2, 2), (purge.GetProperty("purged").GetInt32(), purge.GetProperty("released_messages").GetInt32()));
        Assert.Equal(0, JsonDocument.Parse(await http.GetStringAsync(new Uri("/dlq", UriKind.Relative))).RootElement.GetArrayLength());
        var left = await aws.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = AwsEmulator.Bucket, Prefix = aws.Options.S3KeyPrefix });
        var keys = (left.S3Objects ?? []).Select(o => o.Key[aws.Options.S3KeyPrefix!.Length..]).ToList();
        Assert.DoesNotContain(keys, k => k.StartsWith("refs/", StringComparison.Ordinal) || System.Text.RegularExpressions.Regex.IsMatch(k, "^[0-9a-f]{32}$"));
    }
}
