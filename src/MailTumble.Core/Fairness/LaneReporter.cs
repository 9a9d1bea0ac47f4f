using MailTumble.Core.Queue;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Fairness;

/// <summary>Builds the lane listing: the census for the deepest lanes, their details, and their shares of a given rate.</summary>
public sealed class LaneReporter
{
    private readonly IOutgoingQueue _queue;
    private readonly FairnessOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates the reporter.</summary>
    public LaneReporter(IOutgoingQueue queue, IOptions<FairnessOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _queue = queue;
        _options = options.Value;
        _time = time;
    }

    /// <summary>
    /// The rate the lanes share: <c>MAXIMUM_SEND_RATE</c> (all nodes on one queue together), lowered in the proportion
    /// the send-out stage's rate is while the provider throttles, as a running <c>serve</c> published it in the last ten
    /// seconds.
    /// </summary>
    public static double RateFrom(Delivery.DeliveryStatus? status, Delivery.DeliveryOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(options);
        var live = status is not null && status.IsLive(now) && status.MaxRate > 0;
        return live ? options.MaxSendRate * Math.Min(1, status!.Rate / status.MaxRate) : options.MaxSendRate;
    }

    /// <summary>The <paramref name="top"/> deepest lanes with their shares of <paramref name="rate"/> recipients per second.</summary>
    public async Task<LaneReport> BuildAsync(int top, double rate, CancellationToken cancellationToken)
    {
        if (_queue.LaneAccess != LaneAccess.PerLane)
        {
            return new LaneReport(false, _options.Enabled, _options.LaneBy, rate, 0, 0, []);
        }

        var census = await _queue.GetLaneCensusAsync(LaneShares.Query(_options, top), cancellationToken).ConfigureAwait(false);
        var shares = new LaneShares(_options, rate, census);
        var listed = census.Entries.Take(top).ToList();
        var details = (await _queue.GetLaneStatsAsync([.. listed.Select(e => e.Lane)], cancellationToken).ConfigureAwait(false))
            .ToDictionary(s => s.Lane, StringComparer.Ordinal);
        var now = _time.GetUtcNow();
        var rows = new List<LaneRow>(listed.Count);
        foreach (var lane in listed)
        {
            var view = shares.View(lane);
            details.TryGetValue(lane.Lane, out var stats);
            rows.Add(new LaneRow(
                lane.Lane,
                stats?.Depth ?? lane.Depth,
                stats?.Ready ?? 0,
                stats?.InFlight ?? 0,
                stats?.Deferred ?? 0,
                stats?.Bulk ?? 0,
                view.Weight,
                _options.Enabled ? view.Share : 0,
                _options.Enabled ? view.Drain : null,
                stats?.OldestReceivedAt is { } oldest ? now - oldest : null,
                view.Backpressure));
        }

        return new LaneReport(true, _options.Enabled, _options.LaneBy, rate, census.Lanes, census.DueLanes, rows);
    }
}
