using MailTumble.Core.Delivery;
using MailTumble.Core.Queue;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Cluster;

/// <summary>
/// Keeps this node's send rate at what the family's <see cref="IRateBudget"/> gives it: a heartbeat twice a second (when the
/// budget is shared; a single node's is applied once at start) with
/// the node's demand and status, throttling seen here reported so the whole cluster slows down, and the share applied
/// to the pacer (<see cref="ShareRise"/>). A lower share applies at once, and so does a higher one while this node is
/// sending (a node left or died, or throttling eased: nobody has to make room). A node with no share in force (it just
/// joined, or lost its heartbeat) sends only once its share has held for <see cref="RiseDelay"/>, by which time every
/// other node has seen it and lowered its own, so the shares never add up to more than the provider's rate while nodes
/// come and go.
/// </summary>
internal sealed partial class RateBudgetService : BackgroundService
{
    /// <summary>How often the heartbeat goes out.</summary>
    public static readonly TimeSpan BeatInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a joining node's share must hold before it is used (two heartbeats of every other node, and then some).</summary>
    public static readonly TimeSpan RiseDelay = TimeSpan.FromMilliseconds(1500);

    private const string Joining = "joining the cluster's rate budget";
    private const string NoShare = "no share of the cluster's send rate";
    private const string NoHeartbeat = "no heartbeat: the rate budget cannot be reached";
    private readonly IRateBudget _budget;
    private readonly DeliveryService _delivery;
    private readonly NodeIdentity _node;
    private readonly DeliveryOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<RateBudgetService> _logger;
    private readonly ShareRise _rise;
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
        _rise = new ShareRise(Shared ? RiseDelay : TimeSpan.Zero);
    }

    /// <summary>A single node needs no wait before it sends: nobody else shares its budget.</summary>
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
            // Joining: send nothing until the others have made room.
            _delivery.Pacer.PauseUntil(_time.GetUtcNow() + RiseDelay, Joining);
        }

        await BeatAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
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
        try
        {
            var throttled = _delivery.Pacer.ThrottledTotal;
            if (throttled > _throttledSeen)
            {
                _throttledSeen = throttled;
                await _budget.ThrottledAsync(_node.Id, cancellationToken).ConfigureAwait(false);
            }

            var share = await _budget.BeatAsync(new NodeBeat(_node.Id, _node.Host, _delivery.QueueDepth > 0, _delivery.Status), cancellationToken).ConfigureAwait(false);
            Apply(share);
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
                // Without a heartbeat the others give our share away: stop sending until the backend answers again.
                _rise.Lost();
                _delivery.Pacer.PauseUntil(_time.GetUtcNow() + BeatInterval + BeatInterval, NoHeartbeat);
            }
        }
    }

    private void Apply(double offered)
    {
        var now = _time.GetUtcNow();
        var before = _rise.Applied;
        var share = _rise.Offer(offered, now);
        if (offered <= 0)
        {
            _delivery.Pacer.PauseUntil(now + BeatInterval + BeatInterval, NoShare);
            return;
        }

        if (share <= 0)
        {
            // No share in force yet: wait until the offer has held (the others lower theirs meanwhile).
            return;
        }

        if (share != before)
        {
            _delivery.Pacer.SetShare(share);
            LogShare(_logger, share, _options.MaxSendRate);
        }

        _delivery.Pacer.Resume(Joining);
        _delivery.Pacer.Resume(NoShare);
        _delivery.Pacer.Resume(NoHeartbeat);
    }

    [LoggerMessage(EventId = 1020, Level = LogLevel.Warning, Message = "MailTumble:Outbound:Workers ({Workers}) is ignored: this backend shares MAXIMUM_SEND_RATE among its live nodes by itself")]
    private static partial void LogWorkersIgnored(ILogger logger, int workers);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Warning, Message = "Rate budget heartbeat failed; retrying every half second")]
    private static partial void LogBeatFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1022, Level = LogLevel.Information, Message = "Send rate share now {Share:0.##}/s of {Max:0.##}/s")]
    private static partial void LogShare(ILogger logger, double share, double max);
}
