using MailTumble.Core.Queue;
using MailTumble.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Tests;

/// <summary>Trouble on our side is a 4xx, never a drop; shutdown drains.</summary>
public sealed class RobustnessTests
{
    private static async Task<string?> SendOneAsync(RelayFixture relay, string body = "Subject: x\r\n\r\nhi\r\n")
    {
        await using var client = await SmtpWireClient.ConnectAsync(relay.SmtpPort);
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO client.test");
        await client.CommandAsync("MAIL FROM:<shop@brand.example>");
        await client.CommandAsync("RCPT TO:<x7g2@mask.example.com>");
        await client.CommandAsync("DATA");
        await client.SendAsync(body + ".\r\n");
        return await client.ReadReplyAsync();
    }

    [Fact]
    public async Task Disk_trouble_while_storing_is_451_and_nothing_is_queued()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
        Assert.StartsWith("250", await SendOneAsync(relay));
        await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(20));

        // Let send-out finish with the first message (ack, delete its stored copy) before breaking the disk.
        await relay.WaitForIdleAsync();

        // The next store of a message must fail, as on a broken disk.
        StoredCopies.BreakDatabaseStore(relay.DataDir);

        Assert.StartsWith("451 4.3.0", await SendOneAsync(relay));
        Assert.Equal(0, (await relay.Services.GetRequiredService<IOutgoingQueue>().GetStatsAsync(default)).Depth);
    }

    [Fact]
    public async Task A_full_ingest_channel_is_451_so_senders_back_off()
    {
        await using var relay = await RelayFixture.StartAsync(services: s =>
        {
            var original = s.Last(d => d.ServiceType == typeof(IOutgoingQueue));
            s.Remove(original);
            s.AddSingleton<IOutgoingQueue>(sp => new FullQueue((IOutgoingQueue)original.ImplementationFactory!(sp)));
        });
        await relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
        Assert.StartsWith("451 4.3.2", await SendOneAsync(relay));
        Assert.Equal(0, StoredCopies.Count(relay.DataDir));
    }

    [Fact]
    public async Task On_shutdown_idle_sessions_get_421_and_a_message_in_progress_is_finished()
    {
        var relay = await RelayFixture.StartAsync();
        try
        {
            await relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
            await using var idle = await SmtpWireClient.ConnectAsync(relay.SmtpPort);
            await idle.ReadReplyAsync();
            await using var busy = await SmtpWireClient.ConnectAsync(relay.SmtpPort);
            await busy.ReadReplyAsync();
            await busy.CommandAsync("EHLO client.test");
            await busy.CommandAsync("MAIL FROM:<shop@brand.example>");
            await busy.CommandAsync("RCPT TO:<x7g2@mask.example.com>");
            Assert.StartsWith("354", await busy.CommandAsync("DATA"));
            await busy.SendAsync("Subject: in flight\r\n\r\npart one\r\n");

            var stopping = relay.App.StopAsync();
            Assert.StartsWith("421 4.3.2", await idle.ReadReplyAsync());

            // The session in the middle of DATA may finish its message, and gets a real answer.
            await busy.SendAsync("part two\r\n.\r\n");
            Assert.StartsWith("250", await busy.ReadReplyAsync());
            Assert.StartsWith("421 4.3.2", await busy.ReadReplyAsync());
            await stopping;

            // Accepted means kept: either it went out before the stop, or it waits on disk in the queue.
            var queued = (await relay.Services.GetRequiredService<IOutgoingQueue>().GetStatsAsync(default)).Depth;
            Assert.Equal(1, relay.Sink.Messages.Count + queued);
        }
        finally
        {
            await relay.DisposeAsync();
        }
    }

    private sealed class FullQueue(IOutgoingQueue inner) : IOutgoingQueue
    {
        public Task EnqueueAsync(IReadOnlyList<OutgoingItem> items, CancellationToken cancellationToken) => throw new QueueFullException();

        public Task EnqueueDeadAsync(IReadOnlyList<OutgoingItem> items, string reason, CancellationToken cancellationToken) => throw new QueueFullException();

        public Task<IReadOnlyList<LeasedItem>> LeaseAsync(int max, TimeSpan visibility, CancellationToken cancellationToken) => inner.LeaseAsync(max, visibility, cancellationToken);

        public Task<bool> AckAsync(LeasedItem item, string outcome, CancellationToken cancellationToken) => inner.AckAsync(item, outcome, cancellationToken);

        public Task RetryAsync(LeasedItem item, DateTimeOffset notBefore, string reason, CancellationToken cancellationToken) => inner.RetryAsync(item, notBefore, reason, cancellationToken);

        public Task DeadLetterAsync(LeasedItem item, string reason, CancellationToken cancellationToken) => inner.DeadLetterAsync(item, reason, cancellationToken);

        public Task ReleaseAsync(IReadOnlyList<LeasedItem> items, CancellationToken cancellationToken) => inner.ReleaseAsync(items, cancellationToken);

        public void Finished(IReadOnlyList<LeasedItem> batch) => inner.Finished(batch);

        public Task<QueueStats> GetStatsAsync(CancellationToken cancellationToken) => inner.GetStatsAsync(cancellationToken);

        public Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken) => inner.NextDueAsync(cancellationToken);

        public Task<IReadOnlyList<DeadLetter>> ListDeadAsync(int limit, CancellationToken cancellationToken) => inner.ListDeadAsync(limit, cancellationToken);

        public Task<int> ReplayDeadAsync(IReadOnlyCollection<string>? ids, CancellationToken cancellationToken) => inner.ReplayDeadAsync(ids, cancellationToken);

        public LaneAccess LaneAccess => inner.LaneAccess;

        public Task<IReadOnlyList<string>> ListDueLanesAsync(string? after, int limit, CancellationToken cancellationToken) => inner.ListDueLanesAsync(after, limit, cancellationToken);

        public Task<IReadOnlyList<LeasedItem>> LeaseLanesAsync(IReadOnlyList<LaneTake> takes, TimeSpan visibility, CancellationToken cancellationToken) => inner.LeaseLanesAsync(takes, visibility, cancellationToken);

        public Task<LaneCensus> GetLaneCensusAsync(LaneCensusQuery query, CancellationToken cancellationToken) => inner.GetLaneCensusAsync(query, cancellationToken);

        public Task<IReadOnlyList<LaneStats>> GetLaneStatsAsync(IReadOnlyList<string> lanes, CancellationToken cancellationToken) => inner.GetLaneStatsAsync(lanes, cancellationToken);
    }
}
