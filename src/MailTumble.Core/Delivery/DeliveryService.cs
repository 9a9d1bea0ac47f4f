using MailTumble.Core.Diagnostics;
using MailTumble.Core.Pacing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Delivery;

/// <summary>
/// The send-out stage: leases deliveries, re-checks the alias, waits for the rate budget, sends, and acks, retries or
/// dead-letters by the classified outcome. Worker count follows queue depth. The jobs are split: the workers
/// (<see cref="SendWorkers"/>), their sizing (<see cref="DeliveryConcurrency"/>), the status published for
/// <c>queue stats</c> (<see cref="DeliveryStatusPublisher"/>), one attempt (<see cref="DeliveryAttempt"/>) and what its
/// outcome means (<see cref="DeliveryPolicy"/>, carried out by <see cref="DeliveryVerdictApplier"/>).
/// </summary>
public sealed class DeliveryService : BackgroundService
{
    private readonly SendWorkers _workers;
    private readonly DeliveryStatusPublisher _status;
    private readonly DeliveryConcurrency _concurrency;
    private readonly SendPacer _pacer;
    private readonly DeliveryOptions _options;

    internal DeliveryService(SendWorkers workers, DeliveryStatusPublisher status, DeliveryConcurrency concurrency, SendPacer pacer, IOptions<DeliveryOptions> options, MailTumbleMetrics metrics)
    {
        _workers = workers;
        _status = status;
        _concurrency = concurrency;
        _pacer = pacer;
        _options = options.Value;
        metrics.ObserveDelivery(() => Status);
    }

    /// <summary>The send rate in force (lowered while the provider throttles).</summary>
    public double CurrentRate => _pacer.CurrentRate;

    /// <summary>The status as published for <c>queue stats</c>.</summary>
    public DeliveryStatus Status => _pacer.Snapshot(_concurrency.Desired);

    /// <summary>The pacer (the rate budget sets this node's share on it).</summary>
    internal SendPacer Pacer => _pacer;

    /// <summary>
    /// Leased batches a send worker of this process is still working on, up to the release of their stored copies
    /// (which follows the ack). With an empty queue, zero means nothing is left to happen: the idle signal tests wait on.
    /// </summary>
    public int BatchesInFlight => _workers.BatchesInFlight;

    /// <summary>Ready and in-flight items at the last look (the rate budget's demand).</summary>
    internal long QueueDepth => _concurrency.Depth;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        await _status.SeedQuotaAsync(stoppingToken).ConfigureAwait(false);
        var workers = _workers.Start(stoppingToken);
        await _status.RunAsync(stoppingToken).ConfigureAwait(false);
        await Task.WhenAll(workers).ConfigureAwait(false);
    }
}
