using System.Collections.Concurrent;
using MailTumble.Core.Queue;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Tests;

/// <summary>The send-out tells the queue when it is done with a leased batch, so the queue's lease keeper lets go of it.</summary>
public sealed class SendOutLeaseTests
{
    [Fact]
    public async Task Every_batch_leased_for_delivered_mail_is_reported_finished_by_the_time_the_relay_is_idle()
    {
        var leases = new LeaseLog();
        await using var relay = await RelayFixture.StartAsync(services: s =>
        {
            var real = s.Last(d => d.ServiceType == typeof(IOutgoingQueue));
            s.AddSingleton<IOutgoingQueue>(sp => new RecordingQueue((IOutgoingQueue)real.ImplementationFactory!(sp), leases));
        });
        await relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
        for (var i = 0; i < 5; i++)
        {
            await RelaySmtp.SendAsync(relay, $"m{i}", "x7g2@mask.example.com");
        }

        await relay.WaitForDeliveredAsync(5);
        await relay.WaitForIdleAsync();
        Assert.NotEmpty(leases.Leased);
        Assert.Equal(leases.Leased.Keys.Order(StringComparer.Ordinal), leases.Finished.Keys.Order(StringComparer.Ordinal));
    }

    private sealed class LeaseLog
    {
        public ConcurrentDictionary<string, bool> Leased { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, bool> Finished { get; } = new(StringComparer.Ordinal);

        public IReadOnlyList<LeasedItem> Took(IReadOnlyList<LeasedItem> batch)
        {
            foreach (var item in batch)
            {
                Leased[item.LeaseToken] = true;
            }

            return batch;
        }
    }

    private sealed class RecordingQueue(IOutgoingQueue inner, LeaseLog log) : IOutgoingQueue
    {
        public Task EnqueueAsync(IReadOnlyList<OutgoingItem> items, CancellationToken cancellationToken) => inner.EnqueueAsync(items, cancellationToken);

        public Task EnqueueDeadAsync(IReadOnlyList<OutgoingItem> items, string reason, CancellationToken cancellationToken) => inner.EnqueueDeadAsync(items, reason, cancellationToken);

        public async Task<IReadOnlyList<LeasedItem>> LeaseAsync(int max, TimeSpan visibility, CancellationToken cancellationToken) =>
            log.Took(await inner.LeaseAsync(max, visibility, cancellationToken).ConfigureAwait(false));

        public async Task<IReadOnlyList<LeasedItem>> LeaseLanesAsync(IReadOnlyList<LaneTake> takes, TimeSpan visibility, CancellationToken cancellationToken) =>
            log.Took(await inner.LeaseLanesAsync(takes, visibility, cancellationToken).ConfigureAwait(false));

        public void Finished(IReadOnlyList<LeasedItem> batch)
        {
            foreach (var item in batch)
            {
                log.Finished[item.LeaseToken] = true;
            }

            inner.Finished(batch);
        }

        public Task<bool> AckAsync(LeasedItem item, string outcome, CancellationToken cancellationToken) => inner.AckAsync(item, outcome, cancellationToken);

        public Task RetryAsync(LeasedItem item, DateTimeOffset notBefore, string reason, CancellationToken cancellationToken) => inner.RetryAsync(item, notBefore, reason, cancellationToken);

        public Task DeadLetterAsync(LeasedItem item, string reason, CancellationToken cancellationToken) => inner.DeadLetterAsync(item, reason, cancellationToken);

        public Task ReleaseAsync(IReadOnlyList<LeasedItem> items, CancellationToken cancellationToken) => inner.ReleaseAsync(items, cancellationToken);

        public Task<QueueStats> GetStatsAsync(CancellationToken cancellationToken) => inner.GetStatsAsync(cancellationToken);

        public Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken) => inner.NextDueAsync(cancellationToken);

        public Task<IReadOnlyList<DeadLetter>> ListDeadAsync(int limit, CancellationToken cancellationToken) => inner.ListDeadAsync(limit, cancellationToken);

        public Task<int> ReplayDeadAsync(IReadOnlyCollection<string>? ids, CancellationToken cancellationToken) => inner.ReplayDeadAsync(ids, cancellationToken);

        public LaneAccess LaneAccess => inner.LaneAccess;

        public Task<IReadOnlyList<string>> ListDueLanesAsync(string? after, int limit, CancellationToken cancellationToken) => inner.ListDueLanesAsync(after, limit, cancellationToken);

        public Task<LaneCensus> GetLaneCensusAsync(LaneCensusQuery query, CancellationToken cancellationToken) => inner.GetLaneCensusAsync(query, cancellationToken);

        public Task<IReadOnlyList<LaneStats>> GetLaneStatsAsync(IReadOnlyList<string> lanes, CancellationToken cancellationToken) => inner.GetLaneStatsAsync(lanes, cancellationToken);
    }
}
