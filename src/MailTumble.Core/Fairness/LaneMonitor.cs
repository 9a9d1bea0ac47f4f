using MailTumble.Core.Delivery;
using MailTumble.Core.Diagnostics;
using MailTumble.Core.Queue;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Fairness;

/// <summary>
/// Once a second, takes the lane census (counters only, no scan of items), works out each lane's share and drain time
/// at the rate in force, and publishes the deepest lanes (for metrics) and the lanes under backpressure (for the
/// intake) through <see cref="LaneGate"/>. Only lanes deep enough that they could be over the limit are looked at. With
/// an empty queue it looks again once something is enqueued in this process or a send worker here finds work queued by
/// another (<see cref="QueueSignal.Activity"/>), or after <see cref="IdleInterval"/> (30 s).
/// </summary>
public sealed partial class LaneMonitor : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    // Long: an empty queue has no lane under backpressure, and mail queued here (or found by a worker or the queue's
    // wake-up) is announced on the signal.
    private static readonly TimeSpan IdleInterval = TimeSpan.FromSeconds(30);
    private const int MaxRefusedLanes = 10_000;
    private readonly IOutgoingQueue _queue;
    private readonly LaneGate _gate;
    private readonly FairnessOptions _options;
    private readonly DeliveryOptions _delivery;
    private readonly DeliveryService? _service;
    private readonly TimeProvider _time;
    private readonly ILogger<LaneMonitor> _logger;
    private readonly QueueSignal? _signal;
    private readonly HashSet<string> _logged = new(StringComparer.Ordinal);
    private string? _lastFailure;

    /// <summary>Creates the monitor; the rate comes from this process's send-out stage when it runs.</summary>
    public LaneMonitor(
        IOutgoingQueue queue,
        LaneGate gate,
        IOptions<FairnessOptions> options,
        IOptions<DeliveryOptions> delivery,
        MailTumbleMetrics metrics,
        TimeProvider time,
        ILogger<LaneMonitor> logger,
        DeliveryService? service = null,
        QueueSignal? signal = null)
    {
        _signal = signal;
        ArgumentNullException.ThrowIfNull(metrics);
        _queue = queue;
        _gate = gate;
        _options = options.Value;
        _delivery = delivery.Value;
        _service = service;
        _time = time;
        _logger = logger;
        metrics.ObserveLanes(() => _gate.Snapshot.Deepest, () => _gate.Refusals);
    }

    /// <summary>Takes one census and publishes it (the loop does this every second).</summary>
    public async Task<LaneSnapshot> RefreshAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled || _queue.LaneAccess != LaneAccess.PerLane)
        {
            return LaneSnapshot.Empty;
        }

        // Lanes share the provider's whole rate (every node on a shared queue sends its part), lowered as this node's
        // rate is while the provider throttles.
        var rate = LaneReporter.RateFrom(_delivery.Enabled ? _service?.Status : null, _delivery, _time.GetUtcNow());
        var census = await _queue.GetLaneCensusAsync(LaneShares.Query(_options, _options.MetricLanes), cancellationToken).ConfigureAwait(false);
        var shares = new LaneShares(_options, rate, census);
        var deepest = census.Entries.Take(_options.MetricLanes).Select(shares.View).ToList();
        var refused = new Dictionary<string, LaneView>(StringComparer.Ordinal);
        if (_options.MaxLaneDrain > TimeSpan.Zero && census.Entries.Count > 0)
        {
            var threshold = shares.BackpressureThreshold();
            if (census.Entries.Max(e => e.Depth) >= threshold)
            {
                var deep = await _queue.GetLaneCensusAsync(LaneShares.Query(_options, MaxRefusedLanes, threshold), cancellationToken).ConfigureAwait(false);
                foreach (var view in deep.Entries.Select(shares.View).Where(v => v.Backpressure))
                {
                    refused[view.Lane] = view;
                }
            }
        }

        var snapshot = new LaneSnapshot(_time.GetUtcNow(), rate, census.Lanes, census.DueLanes, deepest, refused.Keys.ToHashSet(StringComparer.Ordinal));
        _gate.Publish(snapshot);
        LogChanges(refused);
        _lastFailure = null;
        return snapshot;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled || _queue.LaneAccess != LaneAccess.PerLane)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var activity = _signal?.Activity;
            var empty = false;
            try
            {
                empty = (await RefreshAsync(stoppingToken).ConfigureAwait(false)).Lanes == 0;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Keep the last snapshot: a lane under backpressure stays so until the census works again. Logged once per
                // cause; an outage of the queue's backend is the send-out's one line.
                if (ex.Message != _lastFailure && ex is not QueueUnavailableException)
                {
                    _lastFailure = ex.Message;
                    LogCensusFailed(_logger, ex.Message);
                }
            }

            try
            {
                if (empty && activity is not null)
                {
                    await QueueSignal.WaitForActivityAsync(activity, IdleInterval, _time, stoppingToken).ConfigureAwait(false);
                }
                else
                {
                    await Task.Delay(Interval, _time, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void LogChanges(Dictionary<string, LaneView> refused)
    {
        foreach (var view in refused.Values.Where(v => !_logged.Contains(v.Lane)))
        {
            LogBackpressureOn(_logger, view.Lane, view.Depth, view.Share, view.Drain, _options.MaxLaneDrain);
        }

        foreach (var lane in _logged.Where(l => !refused.ContainsKey(l)).ToList())
        {
            LogBackpressureOff(_logger, lane);
        }

        _logged.Clear();
        _logged.UnionWith(refused.Keys);
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Warning, Message = "Lane <{Lane}> under backpressure: {Depth} queued at {Share:0.##}/s drain in {Drain}, above {Limit}; its new mail gets 452 4.3.1 / 451 4.7.1 until it is below")]
    private static partial void LogBackpressureOn(ILogger logger, string lane, long depth, double share, TimeSpan? drain, TimeSpan limit);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Lane <{Lane}> takes new mail again")]
    private static partial void LogBackpressureOff(ILogger logger, string lane);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Could not take the lane census: {Reason}")]
    private static partial void LogCensusFailed(ILogger logger, string reason);
}
