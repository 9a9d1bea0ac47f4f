using MailTumble.Core.Queue;

namespace MailTumble.Core.Tests;

internal sealed class RecordingQueue : IOutgoingQueue
{
    public List<OutgoingItem> Enqueued { get; } = [];

    public List<(OutgoingItem Item, string Reason)> Dead { get; } = [];

    public Task EnqueueAsync(IReadOnlyList<OutgoingItem> items, CancellationToken cancellationToken)
    {
        Enqueued.AddRange(items);
        return Task.CompletedTask;
    }

    public Task EnqueueDeadAsync(IReadOnlyList<OutgoingItem> items, string reason, CancellationToken cancellationToken)
    {
        Dead.AddRange(items.Select(i => (i, reason)));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<LeasedItem>> LeaseAsync(int max, TimeSpan visibility, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<bool> AckAsync(LeasedItem item, string outcome, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task RetryAsync(LeasedItem item, DateTimeOffset notBefore, string reason, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task DeadLetterAsync(LeasedItem item, string reason, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task ReleaseAsync(IReadOnlyList<LeasedItem> items, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<QueueStats> GetStatsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<DeadLetter>> ListDeadAsync(int limit, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<int> ReplayDeadAsync(IReadOnlyCollection<string>? ids, CancellationToken cancellationToken) => throw new NotSupportedException();

    public LaneAccess LaneAccess => LaneAccess.PerLane;

    public Task<IReadOnlyList<string>> ListDueLanesAsync(string? after, int limit, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<LeasedItem>> LeaseLanesAsync(IReadOnlyList<LaneTake> takes, TimeSpan visibility, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<LaneCensus> GetLaneCensusAsync(LaneCensusQuery query, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<LaneStats>> GetLaneStatsAsync(IReadOnlyList<string> lanes, CancellationToken cancellationToken) => throw new NotSupportedException();
}
