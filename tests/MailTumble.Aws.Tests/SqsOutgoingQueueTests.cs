using MailTumble.Aws.Queue;
using MailTumble.Aws.Status;
using MailTumble.Core.Queue;
using MailTumble.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MailTumble.Aws.Tests;

/// <summary>SQS behaviour beyond the contract, on the emulator's real clock.</summary>
public sealed class SqsOutgoingQueueTests
{
    [SkippableFact]
    public async Task A_lease_held_by_a_live_worker_is_extended_past_its_visibility_timeout()
    {
        await using var q = await QueueAsync(o => o.ExtendVisibility = true);
        await q.Queue.EnqueueAsync([Item()], default);
        var leased = Assert.Single(await q.Queue.LeaseAsync(1, TimeSpan.FromSeconds(2), default));

        // Three lease lengths later another worker still gets nothing, because the keeper renewed the lease.
        await Task.Delay(TimeSpan.FromSeconds(6));
        Assert.Empty(await q.Queue.LeaseAsync(1, TimeSpan.FromSeconds(2), default));
        Assert.True(await q.Queue.AckAsync(leased, "sent", default));
        Assert.Equal(0, (await q.Queue.GetStatsAsync(default)).Depth);
    }

    [SkippableFact]
    public async Task A_retry_longer_than_sqs_can_delay_is_hidden_again_when_received_early()
    {
        await using var q = await QueueAsync();

        // As SQS hands it out once its 15-minute DelaySeconds is over, with two hours of the retry wait left.
        var body = QueuedDelivery.From(Item()) with { Attempts = 1, NotBefore = DateTimeOffset.UtcNow.AddHours(2) };
        await q.Sqs.SendMessageAsync(q.Url, System.Text.Json.JsonSerializer.Serialize(body, AwsJsonContext.Default.QueuedDelivery));

        Assert.Empty(await q.Queue.LeaseAsync(1, TimeSpan.FromSeconds(30), default));
        var raw = await q.Sqs.ReceiveMessageAsync(new Amazon.SQS.Model.ReceiveMessageRequest { QueueUrl = q.Url, VisibilityTimeout = 0 });
        Assert.Empty(raw.Messages ?? []);
        Assert.Equal((0L, 1L), ((await q.Queue.GetStatsAsync(default)).Ready, (await q.Queue.GetStatsAsync(default)).InFlight));
    }

    [SkippableFact]
    public async Task Messages_moved_by_the_redrive_policy_are_listed_as_dead_letters()
    {
        await using var q = await QueueAsync(maxReceiveCount: 1);
        var item = Item();
        await q.Queue.EnqueueAsync([item], default);
        var first = Assert.Single(await q.Queue.LeaseAsync(1, TimeSpan.FromSeconds(1), default));

        // Once the lease has run out, the second receive exceeds maxReceiveCount: SQS moves it instead of handing it out.
        var (handedOut, moved) = await Eventually.ValueAsync(
            async () => ((await q.Queue.LeaseAsync(1, TimeSpan.FromSeconds(1), default)).Count, await q.Queue.ListDeadAsync(10, default)),
            seen => seen.Count > 0 || seen.Item2.Count > 0,
            "the message came back from its lease (to the dead letters, or handed out again)");
        Assert.Equal(0, handedOut);
        var dead = Assert.Single(moved);
        Assert.Equal(item.Id, dead.Item.Id);
        Assert.Contains("redrive", dead.Reason, StringComparison.Ordinal);
        _ = first;
    }

    [SkippableFact]
    public async Task Every_message_carries_its_lane_as_message_group_id_so_a_fair_queue_can_isolate_it()
    {
        var options = Fauxqs.Options(o => o.ExtendVisibility = false);
        using var real = Fauxqs.Sqs(options);
        using var s3 = Fauxqs.S3(options);
        var (sqs, recorder) = RecordingSqs.Wrap(real);
        await Fauxqs.EnsureBucketAsync(s3, options.S3BucketName!);
        options.QueueUrl = (await Fauxqs.CreateQueuesAsync(real, Fauxqs.UniqueName("lanes"))).Queue;
        var wrapped = Options.Create(options);
        await using var queue = new SqsOutgoingQueue(sqs, new DeliveryReferences(s3, wrapped), new SentLog(s3, wrapped), wrapped, TimeProvider.System, NullLogger<SqsOutgoingQueue>.Instance);

        var longLane = new string('x', 200);
        var items = new[] { Item() with { Lane = "shop.example" }, Item() with { Lane = string.Empty }, Item() with { Lane = longLane }, Item() with { Lane = "tenant äb" } };
        await queue.EnqueueAsync(items, default);
        Assert.Equal(LaneAccess.Native, queue.LaneAccess);
        var leased = await Eventually.ValueAsync<LeasedItem?>(
            async () => (await queue.LeaseAsync(10, TimeSpan.FromSeconds(30), default)).FirstOrDefault(l => l.Item.Lane == "shop.example"),
            l => l is not null,
            "the shop.example item is leased");
        await queue.RetryAsync(leased!, DateTimeOffset.UtcNow.AddSeconds(30), "451 later", default);

        var groups = recorder.Sent.Select(e => (Id: System.Text.Json.JsonDocument.Parse(e.MessageBody).RootElement.GetProperty("id").GetString(), e.MessageGroupId)).ToList();
        Assert.Equal(["shop.example", "shop.example"], groups.Where(g => g.Id == items[0].Id).Select(g => g.MessageGroupId));
        Assert.Equal("-", groups.Single(g => g.Id == items[1].Id).MessageGroupId);
        var digest = groups.Single(g => g.Id == items[2].Id).MessageGroupId;
        Assert.Matches("^lane-[0-9a-f]{32}$", digest);
        Assert.NotEqual(digest, groups.Single(g => g.Id == items[3].Id).MessageGroupId);
        Assert.All(groups, g => Assert.InRange(g.MessageGroupId.Length, 1, 128));
    }

    private static OutgoingItem Item() => new(
        Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N"), "x7g2@mask.example.com", "john@real.example.org", "relay@mask.example.com",
        "Subject: hi\r\n"u8.ToArray(), 13, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(5));

    private static async Task<TestQueue> QueueAsync(Action<AwsOptions>? configure = null, TimeProvider? time = null, int maxReceiveCount = 5)
    {
        var options = Fauxqs.Options(o => o.ExtendVisibility = false);
        configure?.Invoke(options);
        var sqs = Fauxqs.Sqs(options);
        var s3 = Fauxqs.S3(options);
        await Fauxqs.EnsureBucketAsync(s3, options.S3BucketName!);
        var (url, _) = await Fauxqs.CreateQueuesAsync(sqs, Fauxqs.UniqueName("adapter"), maxReceiveCount);
        options.QueueUrl = url;
        var wrapped = Options.Create(options);
        var queue = new SqsOutgoingQueue(sqs, new DeliveryReferences(s3, wrapped), new SentLog(s3, wrapped), wrapped, time ?? TimeProvider.System, NullLogger<SqsOutgoingQueue>.Instance);
        return new TestQueue(queue, sqs, s3, url);
    }
}
