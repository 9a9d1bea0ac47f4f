using MailTumble.Core.Delivery;
using MailTumble.Core.Queue;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Cluster;

/// <summary>
/// Keeps this node's send rate at what the family's <see cref="IRateBudget"/> gives it: a heartbeat twice a second (when the
/// budget is shared; a single node's is applied once at start) with the node's demand and status, throttling seen here
/// reported so the whole cluster slows down, and the schedule it returns applied to the pacer. With a shared budget the
/// node's slots lie on the cluster's slot lattice (<see cref="SlotLattice"/>: with N active nodes, this one owns every
/// N-th instant of one grid at the cluster's rate), so the nodes' sends interleave. A joining node is active only from
/// the instant the schedule names (<see cref="RateSchedule.JoinDelay"/> after its first beat): until then it holds its
/// first slot there, and every node already sending switches to the new split exactly at that instant (the pacer's
/// lattice switches by itself; a timer applies the new share), so the shares never add up to more than the provider's
/// rate and no share goes unused while nodes join. A node that leaves or dies drops out at the others' next beats; one
/// whose heartbeat hangs stops sending on its own one beat interval before the others would take its share.
/// </summary>
internal sealed partial class RateBudgetService : BackgroundService
{
    /// <summary>How often the heartbeat goes out.</summary>
    public static readonly TimeSpan BeatInterval = TimeSpan.FromMilliseconds(500);

    private const string NoShare = "no share of the cluster's send rate";
    private const string NoHeartbeat = "no heartbeat: the rate budget cannot be reached";
    private readonly IRateBudget _budget;
    private readonly DeliveryService _delivery;
    private readonly NodeIdentity _node;
    private readonly DeliveryOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<RateBudgetService> _logger;
    private readonly Lock _gate = new();
    private readonly ScheduledShare _share;
    private RateSchedule? _schedule;
    private ITimer? _switch;
    private DateTimeOffset? _switchAt;
    private double _applied;
    private long _throttledSeen;
    private bool _failing;

    public RateBudgetService(IRateBudget budget, DeliveryService delivery, NodeIdentity node, IOptions<DeliveryOptions> options, TimeProvider time, ILogger<RateBudgetService> logger)
    {
        _budget = budget;
        _delivery = delivery;
        _node = node;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _share = new ScheduledShare(delivery.Pacer, node.Id);
    }

    /// <summary>A single node needs no lattice and no schedule: nobody else shares its budget.</summary>
    private bool Shared => _budget is not LocalRateBudget;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        if (_options.Workers > 1)
        {
            LogWorkersIgnored(_logger, _options.Workers);
        }

        if (Shared)
        {
            // Nothing goes out before the first beat has said when this node starts.
            _delivery.Pacer.PauseUntil(_time.GetUtcNow() + BeatInterval + BeatInterval, NoHeartbeat);
        }

        await BeatAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _switch?.Dispose();
            _switch = null;
        }

        if (!_options.Enabled)
        {
            return;
        }

        try
        {
            await _budget.LeaveAsync(_node.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogBeatFailed(_logger, ex);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A single node's budget is all of MAXIMUM_SEND_RATE, applied by the first beat at start: nothing to repeat.
        if (!_options.Enabled || !Shared)
        {
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(BeatInterval, _time, stoppingToken).ConfigureAwait(false);
                await BeatAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        var started = _time.GetUtcNow();
        // A beat that hangs (a lock, a half-open connection) fails after the live window: by then the others have
        // dropped this node anyway, and the pacer's lease (below) has already stopped its sends.
        using var timeout = new CancellationTokenSource(RateSchedule.LiveWindow, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            var throttled = _delivery.Pacer.ThrottledTotal;
            if (throttled > _throttledSeen)
            {
                _throttledSeen = throttled;
                await _budget.ThrottledAsync(_node.Id, linked.Token).ConfigureAwait(false);
            }

            var schedule = await _budget.BeatAsync(new NodeBeat(_node.Id, _node.Host, _delivery.QueueDepth > 0, _delivery.Status), linked.Token).ConfigureAwait(false);
            if (Shared)
            {
                // The others count this node live until its beat is LiveWindow old (stamped no earlier than `started`);
                // it stops one beat interval before that unless a later beat succeeds.
                _delivery.Pacer.SendOnlyUntil(started + RateSchedule.LiveWindow - BeatInterval, NoHeartbeat);
            }

            lock (_gate)
            {
                _schedule = schedule;
                Apply();
            }

            _failing = false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // An outage of the backend (QueueUnavailableException) is the send-out's one line to log; this only stops sending.
            if (!_failing && ex is not QueueUnavailableException)
            {
                LogBeatFailed(_logger, ex);
            }

            _failing = true;

            if (Shared)
            {
                // Without a heartbeat the others give our share away: stop sending until the backend answers again
                // (after a lapse longer than the live window the budget schedules this node again, as a joining one).
                _delivery.Pacer.PauseUntil(_time.GetUtcNow() + BeatInterval + BeatInterval, NoHeartbeat);
            }
        }
    }

    // Under _gate: applies the schedule as of now, and arms the timer for its next change.
    private void Apply()
    {
        if (_schedule is not { } schedule)
        {
            return;
        }

        var pacer = _delivery.Pacer;
        var now = _time.GetUtcNow();
        if (!Shared)
        {
            var current = schedule.Position(_node.Id, now);
            if (current is not null && current.Share != _applied)
            {
                _applied = current.Share;
                pacer.SetShare(current.Share);
                LogShare(_logger, current.Share, _options.MaxSendRate);
            }

            return;
        }

        var (share, switchAt) = _share.Apply(schedule, now);
        if (share <= 0)
        {
            // Not among the live nodes (the budget has no share for it): wait for the next beats.
            pacer.PauseUntil(now + BeatInterval + BeatInterval, NoShare);
            _applied = 0;
        }
        else
        {
            if (share != _applied)
            {
                _applied = share;
                LogShare(_logger, share, _options.MaxSendRate);
            }

            pacer.Resume(NoShare);
            pacer.Resume(NoHeartbeat);
        }

        if (switchAt != _switchAt)
        {
            _switch?.Dispose();
            _switch = null;
            _switchAt = switchAt;
            if (switchAt is { } due)
            {
                _switch = _time.CreateTimer(_ => OnSwitch(due), null, due > now ? due - now : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void OnSwitch(DateTimeOffset due)
    {
        lock (_gate)
        {
            if (_switchAt != due)
            {
                return;
            }

            _switchAt = null;
            _switch?.Dispose();
            _switch = null;
            Apply();
        }
    }

    [LoggerMessage(EventId = 1020, Level = LogLevel.Warning, Message = "MailTumble:Outbound:Workers ({Workers}) is ignored: this backend shares MAXIMUM_SEND_RATE among its live nodes by itself")]
    private static partial void LogWorkersIgnored(ILogger logger, int workers);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Warning, Message = "Rate budget heartbeat failed; retrying every half second")]
    private static partial void LogBeatFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1022, Level = LogLevel.Information, Message = "Send rate share now {Share:0.##}/s of {Max:0.##}/s")]
    private static partial void LogShare(ILogger logger, double share, double max);
}
