using System.Buffers;
using System.Diagnostics;
using System.Text;
using MailTumble.Core.Aliases;
using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;
using MailTumble.Core.Storage;
using MailTumble.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace MailTumble.Tests;

/// <summary>A held alias with 10,000 queued deliveries: send-out moves them to the held store, one bulk reject clears them.</summary>
public sealed class BulkModerationTests(ITestOutputHelper output)
{
    private const int Count = 10_000;
    private const string Alias = "bulk@mask.example.com";

    [Fact]
    public async Task Ten_thousand_queued_deliveries_for_a_held_alias_are_moved_and_rejected_in_seconds()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync(Alias, "john@real.example.org");
        await relay.Services.GetRequiredService<IAliasAdmin>().SetStatusAsync(Alias, AliasStatus.Held, default);
        var raw = relay.Services.GetRequiredService<IRawStore>();
        var queue = relay.Services.GetRequiredService<IOutgoingQueue>();
        var held = relay.Services.GetRequiredService<IHeldStore>();

        var now = DateTimeOffset.UtcNow;
        var body = Encoding.ASCII.GetBytes("From: shop@brand.example\r\nSubject: sale\r\n\r\nbuy\r\n");
        var keys = Enumerable.Range(0, Count).Select(i => $"bulk{i:D5}").ToList();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (key, ct) => await raw.PutAsync(key, new ReadOnlySequence<byte>(body), ct));

        var watch = Stopwatch.StartNew();
        foreach (var chunk in keys.Chunk(1000))
        {
            await queue.EnqueueAsync(chunk.Select(key => new OutgoingItem(
                key, key, Alias, "john@real.example.org", "bounces+x@mask.example.com",
                "From: Shop via mask <relay@mask.example.com>\r\nReply-To: shop@brand.example\r\nSubject: sale\r\n"u8.ToArray(), 40, now, now.AddDays(5))).ToList(), default);
        }

        await Eventually.TrueAsync(async () => await held.CountAsync(HeldQuery.All, default) >= Count, $"all {Count:N0} queued deliveries moved to the held store", TimeSpan.FromMinutes(3));

        var moved = watch.Elapsed;
        Assert.Equal(Count, await held.CountAsync(new HeldQuery(Alias: Alias), default));
        Assert.Equal(0, (await queue.GetStatsAsync(default)).Depth);
        Assert.Empty(relay.Sink.Messages);

        watch.Restart();
        var rejected = await relay.Services.GetRequiredService<Moderator>().RejectAsync(new HeldQuery(Alias: Alias), "test", "bulk", default);
        var rejectTime = watch.Elapsed;

        output.WriteLine($"moved {Count:N0} queued deliveries to the held store in {moved.TotalSeconds:0.00} s; bulk reject took {rejectTime.TotalSeconds:0.00} s (raw files deleted included)");
        Assert.Equal(Count, rejected);
        Assert.Equal(0, StoredCopies.Count(relay.DataDir));
        Assert.True(rejectTime < TimeSpan.FromSeconds(10), $"bulk reject took {rejectTime}");
        Assert.True(moved < TimeSpan.FromSeconds(60), $"moving to the held store took {moved}");
    }
}
