using MailTumble.Core.Queue;

namespace MailTumble.Postgres;

/// <summary>
/// The send-out's calls, with an outage of the server (down, unreachable, restarting) reported as
/// <see cref="QueueUnavailableException"/> naming <c>MailTumble:Postgres:ConnectionString</c>: the delivery service then
/// logs one line for the outage and backs off (waits doubling up to a minute) until the queue answers again, instead of
/// a line per worker and attempt.
/// </summary>
internal sealed partial class PostgresOutgoingQueue
{
    public Task<IReadOnlyList<LeasedItem>> LeaseAsync(int max, TimeSpan visibility, CancellationToken cancellationToken) =>
        GuardAsync(() => LeaseCoreAsync(max, visibility, cancellationToken));

    public Task<bool> AckAsync(LeasedItem item, string outcome, CancellationToken cancellationToken) =>
        GuardAsync(() => AckCoreAsync(item, outcome, cancellationToken));

    public Task RetryAsync(LeasedItem item, DateTimeOffset notBefore, string reason, CancellationToken cancellationToken) =>
        GuardAsync(() => RetryCoreAsync(item, notBefore, reason, cancellationToken));

    public Task DeadLetterAsync(LeasedItem item, string reason, CancellationToken cancellationToken) =>
        GuardAsync(() => DeadLetterCoreAsync(item, reason, cancellationToken));

    public Task ReleaseAsync(IReadOnlyList<LeasedItem> items, CancellationToken cancellationToken) =>
        GuardAsync(() => ReleaseCoreAsync(items, cancellationToken));

    public Task<QueueStats> GetStatsAsync(CancellationToken cancellationToken) =>
        GuardAsync(() => GetStatsCoreAsync(cancellationToken));

    public Task<QueueDepth> GetDepthAsync(CancellationToken cancellationToken) =>
        GuardAsync(() => GetDepthCoreAsync(cancellationToken));

    public Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken) =>
        GuardAsync(() => NextDueCoreAsync(cancellationToken));

    public Task<IReadOnlyList<string>> ListDueLanesAsync(string? after, int limit, CancellationToken cancellationToken) =>
        GuardAsync(() => ListDueLanesCoreAsync(after, limit, cancellationToken));

    public Task<IReadOnlyList<LeasedItem>> LeaseLanesAsync(IReadOnlyList<LaneTake> takes, TimeSpan visibility, CancellationToken cancellationToken) =>
        GuardAsync(() => LeaseLanesCoreAsync(takes, visibility, cancellationToken));

    public Task<LaneCensus> GetLaneCensusAsync(LaneCensusQuery query, CancellationToken cancellationToken) =>
        GuardAsync(() => GetLaneCensusCoreAsync(query, cancellationToken));

    public Task<IReadOnlyList<LaneStats>> GetLaneStatsAsync(IReadOnlyList<string> lanes, CancellationToken cancellationToken) =>
        GuardAsync(() => GetLaneStatsCoreAsync(lanes, cancellationToken));

    private async Task<T> GuardAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresDatabase.IsOutage(ex))
        {
            throw _database.Unavailable(ex);
        }
    }

    private async Task GuardAsync(Func<Task> call)
    {
        try
        {
            await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresDatabase.IsOutage(ex))
        {
            throw _database.Unavailable(ex);
        }
    }
}
