using System.Buffers;
using System.Globalization;
using System.Text;
using Amazon.S3.Model;
using MailTumble.Aws;
using MailTumble.Aws.Queue;
using MailTumble.Aws.Storage;
using MailTumble.Core.Queue;
using MailTumble.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace MailTumble.Tests;

/// <summary>Two <c>serve</c> processes on one SQS queue share a burst: every delivery arrives exactly once.</summary>
public sealed class AwsTwoProcessBurstTests(ITestOutputHelper output)
{
    private const int Messages = 200;
    private const int TargetsPerMessage = 10;

    [SkippableFact]
    public async Task Two_processes_on_one_queue_deliver_a_burst_of_2000_exactly_once()
    {
        using var aws = await AwsEmulator.CreateAsync();
        using var dir = new TempDirectory();
        await using var sink = new TestSmtpSink();
        var map = Path.Combine(dir.Path, "aliases.yaml");
        await File.WriteAllTextAsync(map, "aliases:\n  burst@mask.example.com: sink@real.example.org\n");

        await EnqueueBurstAsync(aws);

        var environment = new Dictionary<string, string>(AwsEmulator.CredentialVariables)
        {
            // The seed's variables alone select AWS mode.
            ["QUEUE_URL"] = aws.QueueUrl,
            ["S3_BUCKET_NAME"] = AwsEmulator.Bucket,
            ["S3_KEY_PREFIX"] = aws.Options.S3KeyPrefix!,
            ["MAXIMUM_SEND_RATE"] = "1000",
            ["MailTumble__Aws__ServiceUrl"] = aws.ServiceUrl,
            ["MailTumble__Aws__DynamoDbServiceUrl"] = aws.DynamoDbServiceUrl,
            ["MailTumble__Aws__StateTable"] = aws.StateTable,
            ["MailTumble__Aws__Region"] = "us-east-1",
            ["MailTumble__Aws__ReceiveWaitSeconds"] = "2",
            ["MailTumble__Directory__Driver"] = "map",
            ["MailTumble__Directory__Map__Path"] = map,
            ["MailTumble__Smtp__Listen"] = "127.0.0.1:0",
            ["MailTumble__Api__Listen"] = "127.0.0.1:0",
            ["MailTumble__Outbound__Smtp__Host"] = "127.0.0.1",
            ["MailTumble__Outbound__Smtp__Port"] = sink.Port.ToString(CultureInfo.InvariantCulture),
            ["MailTumble__Outbound__IdlePoll"] = "00:00:00.100",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__MailTumble.Core.Delivery.DeliveryService"] = "Information",
        };
        var started = DateTime.UtcNow;
        await using var one = await RelayProcess.StartAsync(dir.Path, With(environment, "MailTumble__DataDir", Path.Combine(dir.Path, "p1")));
        await using var two = await RelayProcess.StartAsync(dir.Path, With(environment, "MailTumble__DataDir", Path.Combine(dir.Path, "p2")));

        var total = Messages * TargetsPerMessage;
        await sink.WaitForAsync(total, TimeSpan.FromMinutes(4));

        // Done, not just delivered: every SQS message deleted (none visible, in flight or delayed; a duplicate would
        // need one still there) and every send logged by the process that made it.
        await AwsIngressEndToEndTests.DrainedAsync(aws, aws.QueueUrl);
        await Eventually.TrueAsync(() => Count(one.Output) + Count(two.Output) >= total, $"the two processes logged {total} sent deliveries", RelayFixture.IdleTimeout);
        var elapsed = DateTime.UtcNow - started;
        var ids = sink.Messages.Select(m => m.Header("X-Burst-Id")).ToList();
        var duplicates = ids.Count - ids.Distinct().Count();
        var byOne = Count(one.Output);
        var byTwo = Count(two.Output);
        output.WriteLine($"delivered {ids.Count} ({ids.Distinct().Count()} distinct, {duplicates} duplicates) in {elapsed.TotalSeconds:0.0} s; process 1 sent {byOne}, process 2 sent {byTwo}");
        Assert.Equal(0, duplicates);
        Assert.Equal(total, ids.Distinct().Count());
        Assert.True(byOne > 0 && byTwo > 0, $"both processes should share the work: {byOne} / {byTwo}");
        Assert.Equal(total, byOne + byTwo);

        // Every raw message and delivery reference was deleted after its last delivery. What stays is the shared
        // delivery log and each process's published status (the sent deliveries feedback attribution needs are in the
        // DynamoDB state table). The deletes follow the log line of each send, so they are waited for.
        string[] records = ["sent-log/", "status/"];
        var left = await Eventually.ValueAsync(
            () => LeftAsync(aws),
            keys => keys.All(key => records.Any(r => key.StartsWith(r, StringComparison.Ordinal))),
            "only the records of sent deliveries are left in S3 (value: what is)",
            RelayFixture.IdleTimeout);
        Assert.DoesNotContain(left, key => !records.Any(r => key.StartsWith(r, StringComparison.Ordinal)));
        Assert.Equal(total, left.Count(key => key.StartsWith("sent-log/", StringComparison.Ordinal)));
        Assert.Equal(0, await one.StopAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, await two.StopAsync(TimeSpan.FromSeconds(30)));
    }

    private static async Task<List<string>> LeftAsync(AwsEmulator aws)
    {
        var left = new List<string>();
        var request = new ListObjectsV2Request { BucketName = AwsEmulator.Bucket, Prefix = aws.Options.S3KeyPrefix };
        ListObjectsV2Response page;
        do
        {
            page = await aws.S3.ListObjectsV2Async(request);
            left.AddRange((page.S3Objects ?? []).Select(o => o.Key[aws.Options.S3KeyPrefix!.Length..]));
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);

        return left;
    }

    private static async Task EnqueueBurstAsync(AwsEmulator aws)
    {
        var options = Options.Create(aws.Options);
        var store = new S3RawStore(aws.S3, options);
        var refs = new DeliveryReferences(aws.S3, options);
        var noKeeper = Options.Create(new AwsOptions { QueueUrl = aws.QueueUrl, S3BucketName = AwsEmulator.Bucket, S3KeyPrefix = aws.Options.S3KeyPrefix, ExtendVisibility = false });
        await using var queue = new SqsOutgoingQueue(aws.Sqs, refs, new MailTumble.Aws.Status.SentLog(aws.S3, noKeeper), noKeeper, TimeProvider.System, NullLogger<SqsOutgoingQueue>.Instance);
        var now = DateTimeOffset.UtcNow;
        await Parallel.ForEachAsync(Enumerable.Range(0, Messages), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (m, token) =>
        {
            var key = Guid.CreateVersion7().ToString("N");
            var raw = Encoding.ASCII.GetBytes($"Subject: original {m}\r\n\r\nbody of message {m}\r\n");
            await store.PutAsync(key, new ReadOnlySequence<byte>(raw), token);
            var items = Enumerable.Range(0, TargetsPerMessage).Select(t => new OutgoingItem(
                Id: $"{m}-{t}-{Guid.NewGuid():N}",
                MessageKey: key,
                Alias: "burst@mask.example.com",
                Recipient: "sink@real.example.org",
                EnvelopeFrom: "bounces@mask.example.com",
                Headers: Encoding.ASCII.GetBytes($"From: relay@mask.example.com\r\nTo: sink@real.example.org\r\nSubject: burst\r\nX-Burst-Id: {m}-{t}\r\n"),
                BodyOffset: raw.Length - $"body of message {m}\r\n".Length,
                ReceivedAt: now,
                ExpiresAt: now.AddDays(1))).ToList();
            await queue.EnqueueAsync(items, token);
        });
    }

    private static Dictionary<string, string> With(Dictionary<string, string> environment, string key, string value) =>
        new(environment) { [key] = value };

    private static int Count(string log) =>
        log.Split('\n').Count(l => l.Contains("Sent delivery", StringComparison.Ordinal));
}
