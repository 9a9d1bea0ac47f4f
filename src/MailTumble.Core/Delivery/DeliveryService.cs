using System.Diagnostics;
using MailTumble.Core.Counters;
using MailTumble.Core.Diagnostics;
using MailTumble.Core.Aliases;
using MailTumble.Core.Fairness;
using MailTumble.Core.Feedback;
using MailTumble.Core.Moderation;
using MailTumble.Core.Pacing;
using MailTumble.Core.Queue;
using MailTumble.Core.Replies;
using MailTumble.Core.Sending;
using MailTumble.Core.Signing;
using MailTumble.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Delivery;

/// <summary>
/// The send-out stage: leases deliveries, re-checks the alias, waits for the rate budget, sends, and
/// acks, retries or dead-letters by the classified outcome. Worker count follows queue depth.
/// </summary>
public sealed partial class DeliveryService : BackgroundService
{
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(20);
    private readonly IOutgoingQueue _queue;
    private readonly IRawStore _raw;
    private readonly StoredMessages _stored;
    private readonly IAliasDirectory _directory;
    private readonly QueuedHoldMover _holds;
    private readonly IMailSender _sender;
    private readonly DkimSigning? _dkim;
    private readonly AliasCounters? _counters;
    private readonly QueueSignal _signal;
    private readonly DeliveryOptions _options;
    private readonly TimeProvider _time;
    private readonly MailTumbleMetrics _metrics;
    private readonly ILogger<DeliveryService> _logger;
    private readonly SendPacer _pacer;
    private readonly RetrySchedule _retry;
    private readonly IDeliveryStatusStore? _statusStore;
    private readonly IFeedbackStore? _feedback;
    private readonly ReverseAliases? _replies;
    private readonly FairLeaser? _leaser;
    private readonly OutageBackoff _queueOutage = new();
    private volatile int _desired = 1;
    private volatile int _batchSize = 1;
    private double _latencySeconds = 0.05;
    private long _depth;

    /// <summary>Creates the service; <paramref name="feedback"/> records sent deliveries so bounces and complaints can be attributed.</summary>
    public DeliveryService(
        IOutgoingQueue queue,
        IRawStore raw,
        StoredMessages stored,
        IAliasDirectory directory,
        IHeldStore held,
        IMailSender sender,
        QueueSignal signal,
        IOptions<DeliveryOptions> options,
        TimeProvider time,
        MailTumbleMetrics metrics,
        ILogger<DeliveryService> logger,
        IDeliveryStatusStore? statusStore = null,
        IFeedbackStore? feedback = null,
        FairLeaser? leaser = null,
        TwoWayMasking? masking = null,
        DkimSigning? dkim = null,
        AliasCounters? counters = null)
    {
        _counters = counters;
        _dkim = dkim is { Enabled: true } ? dkim : null;
        _leaser = leaser;
        _feedback = feedback;
        _replies = masking?.Aliases;
        _queue = queue;
        _raw = raw;
        _stored = stored;
        _directory = directory;
        _holds = new QueuedHoldMover(held, queue, raw, directory, time, logger, _replies);
        _sender = sender;
        _signal = signal;
        _options = options.Value;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _statusStore = statusStore;
        _pacer = new SendPacer(_options, time);
        metrics.ObserveDelivery(() => Status);
        _retry = new RetrySchedule(_options.RetryInitial, _options.RetryMax);
    }

    /// <summary>The send rate in force (lowered while the provider throttles).</summary>
    public double CurrentRate => _pacer.CurrentRate;

    /// <summary>The status as published for <c>queue stats</c>.</summary>
    public DeliveryStatus Status => _pacer.Snapshot(_desired);

    /// <summary>The pacer (the rate budget sets this node's share on it).</summary>
    internal SendPacer Pacer => _pacer;

    /// <summary>Ready and in-flight items at the last look (the rate budget's demand).</summary>
    internal long QueueDepth => Interlocked.Read(ref _depth);

    /// <summary>The worker count the queue depth currently justifies.</summary>
    public int DesiredConcurrency => _desired;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        await SeedQuotaAsync(stoppingToken).ConfigureAwait(false);
        var workers = Enumerable.Range(0, _options.MaxConcurrency).Select(i => Task.Run(() => WorkerAsync(i, stoppingToken), CancellationToken.None)).ToList();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var stats = await _queue.GetStatsAsync(stoppingToken).ConfigureAwait(false);
                    QueueWorked();
                    var depth = stats.Ready + stats.InFlight;
                    Interlocked.Exchange(ref _depth, depth);
                    _desired = ConcurrencyPolicy.Desired(depth, _pacer.CurrentRate, TimeSpan.FromSeconds(Volatile.Read(ref _latencySeconds)), _options.MaxConcurrency);
                    _batchSize = ConcurrencyPolicy.BatchSize(stats.Ready, _desired, _pacer.CurrentRate);
                    if (_statusStore is not null)
                    {
                        await _statusStore.SaveAsync(_pacer.Snapshot(_desired), stoppingToken).ConfigureAwait(false);
                    }
                }
                catch (QueueUnavailableException ex)
                {
                    await QueueFailedAsync(ex, stoppingToken).ConfigureAwait(false);
                    continue;
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not StorageFullException)
                {
                    LogStatsFailed(_logger, ex);
                }
                catch (StorageFullException)
                {
                    // The storage reports a full disk itself, once a minute.
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), _time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    private async Task WorkerAsync(int index, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (index >= _desired || _pacer.IsPaused(out _))
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(200), _time, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                // Fair share picks lane by lane (deficit round robin); without it, first in, first out.
                var batch = _leaser is null
                    ? await _queue.LeaseAsync(_batchSize, _options.LeaseTime, stoppingToken).ConfigureAwait(false)
                    : await _leaser.LeaseAsync(_batchSize, _options.LeaseTime, stoppingToken).ConfigureAwait(false);
                QueueWorked();
                if (batch.Count == 0)
                {
                    if (index == 0)
                    {
                        await _signal.WaitAsync(_options.IdlePoll, _time, stoppingToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await Task.Delay(_options.IdlePoll, _time, stoppingToken).ConfigureAwait(false);
                    }

                    continue;
                }

                await ProcessBatchAsync(batch, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (StorageFullException)
            {
                // Not even the reserve had room for the lease; the storage says so once a minute. Try again shortly.
                await Task.Delay(TimeSpan.FromSeconds(1), _time, CancellationToken.None).ConfigureAwait(false);
            }
            catch (QueueUnavailableException ex)
            {
                await QueueFailedAsync(ex, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogWorkerFailed(_logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(1), _time, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The queue cannot be used at all (a wrong queue URL, no access): one line naming the setting per outage, shared by
    /// the statistics loop and every worker, then waits that double up to a minute until it works again.
    /// </summary>
    private async Task QueueFailedAsync(QueueUnavailableException ex, CancellationToken stoppingToken)
    {
        if (_queueOutage.Fail(ex.Message, out var delay))
        {
            LogQueueUnavailable(_logger, ex.Message, _queueOutage.Max);
        }

        try
        {
            await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void QueueWorked()
    {
        if (_queueOutage.Succeed())
        {
            LogQueueAvailable(_logger);
        }
    }

    private async Task ProcessBatchAsync(IReadOnlyList<LeasedItem> leasedBatch, CancellationToken stoppingToken)
    {
        var batch = await _holds.MoveHeldAsync(leasedBatch, stoppingToken).ConfigureAwait(false);
        for (var i = 0; i < batch.Count; i++)
        {
            if (stoppingToken.IsCancellationRequested || _pacer.IsPaused(out _))
            {
                // Hand the rest back at once rather than letting their leases run out.
                await _queue.ReleaseAsync(batch.Skip(i).Select(b => b.Leased).ToList(), CancellationToken.None).ConfigureAwait(false);
                return;
            }

            // An in-flight send is allowed to finish on shutdown, within a grace period.
            using var grace = new CancellationTokenSource();
            using var registration = stoppingToken.Register(() => grace.CancelAfter(ShutdownGrace));
            try
            {
                await ProcessAsync(batch[i].Leased, batch[i].Lookup, stoppingToken, grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await _queue.ReleaseAsync(batch.Skip(i).Select(b => b.Leased).ToList(), CancellationToken.None).ConfigureAwait(false);
                throw;
            }
        }
    }

    private async Task ProcessAsync(LeasedItem leased, LookupResult? prefetched, CancellationToken stoppingToken, CancellationToken sendToken)
    {
        var item = leased.Item;
        var cycleStart = Stopwatch.GetTimestamp();
        var now = _time.GetUtcNow();
        if (now >= item.ExpiresAt)
        {
            await DeadLetterAsync(leased, $"expired after {now - item.ReceivedAt:d\\.hh\\:mm} in the queue; last error: {leased.LastError ?? "none"}").ConfigureAwait(false);
            return;
        }

        // A reply's delivery names its reverse alias: it goes to the correspondent while the alias exists and is not
        // disabled, and is never held (it is the owner's own mail).
        var reply = _replies?.Parse(item.Alias);
        var lookup = prefetched ?? await _directory.LookupAsync(reply?.Alias ?? item.Alias, stoppingToken).ConfigureAwait(false);
        if (lookup.Outcome == LookupOutcome.TemporaryFailure)
        {
            await RetryAsync(leased, now + _options.RetryInitial, "directory unavailable: " + lookup.Reason).ConfigureAwait(false);
            return;
        }

        var gone = reply is null && lookup.Outcome == LookupOutcome.Found ? TargetGone(lookup.Alias!, item.Recipient) : null;
        if (lookup.Outcome == LookupOutcome.NotFound || lookup.Alias!.Status is AliasStatus.Disabled || (reply is null && lookup.Alias.Status is AliasStatus.Dead) || gone is not null)
        {
            var why = lookup.Outcome == LookupOutcome.NotFound ? "alias removed" : gone ?? "alias " + lookup.Alias!.Status.ToString().ToLowerInvariant();
            if (await _queue.AckAsync(leased, "dropped: " + why, CancellationToken.None).ConfigureAwait(false))
            {
                await _stored.ReleaseAsync(item.MessageKey, "dropped: " + why, CancellationToken.None).ConfigureAwait(false);
            }

            LogDropped(_logger, item.Id, item.Alias, why);
            return;
        }

        if (reply is null && QueuedHoldMover.IsHeld(leased, lookup))
        {
            await _holds.MoveAsync([leased], stoppingToken).ConfigureAwait(false);
            return;
        }

        // Everything slow happens before the rate-budget slot, so sends reach the provider at the paced times.
        Stream body;
        try
        {
            body = await _raw.OpenReadAsync(item.MessageKey, stoppingToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            await DeadLetterAsync(leased, "the stored message is missing").ConfigureAwait(false);
            return;
        }

        SendResult result;
        TimeSpan elapsed;
        TimeSpan waited;
        await using (body.ConfigureAwait(false))
        {
            body.Seek(item.BodyOffset, SeekOrigin.Begin);
            var headers = Sign(item, body);
            await _sender.WarmUpAsync(stoppingToken).ConfigureAwait(false);
            using var turn = _pacer.BeginTurn();
            if (turn is null)
            {
                // Paused (quota spent or provider unreachable): hand it back untouched.
                await _queue.ReleaseAsync([leased], CancellationToken.None).ConfigureAwait(false);
                return;
            }

            await turn.ApproachAsync(stoppingToken).ConfigureAwait(false);
            var started = Stopwatch.GetTimestamp();
            var recipient = reply is null ? SendTo(lookup.Alias, item.Recipient) : item.Recipient;
            var message = new PreparedMessage(item.Id, item.EnvelopeFrom, recipient, headers, body, EightBit: true, turn.EnterAsync);
            result = await _sender.SendAsync(message, sendToken).ConfigureAwait(false);
            if (result.Outcome == SendOutcome.Sent)
            {
                turn.Settle();
                if (reply is null)
                {
                    _counters?.Forwarded(item.Alias);
                }
                else
                {
                    _counters?.Replied(reply.Alias);
                }

            }

            elapsed = Stopwatch.GetElapsedTime(started) - turn.SlotWait;
            waited = turn.ApproachWait + turn.SlotWait;
        }

        _metrics.SendAttempt(result.Outcome.ToString().ToLowerInvariant(), elapsed);
        _pacer.Record(result.Outcome);
        await ApplyAsync(leased, reply is null ? SendTo(lookup.Alias, item.Recipient) : item.Recipient, result).ConfigureAwait(false);

        // A worker's whole turn without the waits for the budget (send, acknowledgement, clean-up): what sizes the
        // worker count, so that one is always ready when a slot comes round.
        var cycle = Math.Max(0, (Stopwatch.GetElapsedTime(cycleStart) - waited).TotalSeconds);
        Volatile.Write(ref _latencySeconds, (Volatile.Read(ref _latencySeconds) * 0.9) + (cycle * 0.1));
    }

    /// <summary>
    /// The header block to send: DKIM-signed when its From domain has a key. The body is hashed as it streams from the
    /// store and positioned at its start again. A message that cannot be signed goes out unsigned (logged), never lost.
    /// </summary>
    private ReadOnlyMemory<byte> Sign(OutgoingItem item, Stream body)
    {
        if (_dkim is null)
        {
            return item.Headers;
        }

        try
        {
            return _dkim.Sign(item.Headers, body);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            LogUnsigned(_logger, item.Id, ex.Message);
            return item.Headers;
        }
        finally
        {
            body.Seek(item.BodyOffset, SeekOrigin.Begin);
        }
    }

    private async Task ApplyAsync(LeasedItem leased, string target, SendResult result)
    {
        var item = leased.Item;
        var now = _time.GetUtcNow();
        switch (result.Outcome)
        {
            case SendOutcome.Sent:
                await RecordSentAsync(item, target, result, now).ConfigureAwait(false);
                var released = await _queue.AckAsync(leased, "sent", CancellationToken.None).ConfigureAwait(false);
                LogSent(_logger, item.Id, item.Alias, target, result.Reply);
                if (released)
                {
                    await _stored.ReleaseAsync(item.MessageKey, "sent", CancellationToken.None).ConfigureAwait(false);
                }

                break;
            case SendOutcome.Throttled:
                LogThrottled(_logger, item.Id, result.Reply, _pacer.CurrentRate);
                await RetryAsync(leased, now + _options.ThrottleRetry, result.Reply).ConfigureAwait(false);
                break;
            case SendOutcome.QuotaExceeded:
                _pacer.PauseUntil(now + TimeSpan.FromMinutes(1), "provider says the daily quota is spent");
                LogQuota(_logger, result.Reply);
                await RetryAsync(leased, now + TimeSpan.FromMinutes(1), result.Reply).ConfigureAwait(false);
                break;
            case SendOutcome.ProviderUnavailable:
                if (!_pacer.IsPaused(out _))
                {
                    LogUnreachable(_logger, result.Reply, _options.UnreachablePause);
                }

                _pacer.PauseUntil(now + _options.UnreachablePause, "provider unreachable: " + result.Reply);
                await RetryAsync(leased, now + _options.UnreachablePause, result.Reply).ConfigureAwait(false);
                break;
            case SendOutcome.TransientFailure:
                var delay = _retry.Delay(leased.Attempts + 1);
                LogDeferred(_logger, item.Id, target, result.Reply, delay);
                await RetryAsync(leased, now + delay, result.Reply).ConfigureAwait(false);
                break;
            case SendOutcome.PermanentFailure:
                await DeadLetterAsync(leased, result.Reply).ConfigureAwait(false);
                break;
            default:
                throw new InvalidOperationException($"unhandled send outcome {result.Outcome}");
        }
    }

    /// <summary>Remembers who a sent delivery was for, before the queue forgets it; a failure here must not resend the message.</summary>
    private async Task RecordSentAsync(OutgoingItem item, string target, SendResult result, DateTimeOffset now)
    {
        if (_feedback is null)
        {
            return;
        }

        try
        {
            await _feedback.RecordDeliveryAsync(new SentDelivery(item.Id, item.Alias, target, result.ProviderMessageId, now), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogRecordFailed(_logger, ex, item.Id);
        }
    }

    private Task RetryAsync(LeasedItem leased, DateTimeOffset notBefore, string reason)
    {
        if (notBefore >= leased.Item.ExpiresAt)
        {
            notBefore = leased.Item.ExpiresAt;
        }

        return _queue.RetryAsync(leased, notBefore, reason, CancellationToken.None);
    }

    private async Task DeadLetterAsync(LeasedItem leased, string reason)
    {
        await _queue.DeadLetterAsync(leased, reason, CancellationToken.None).ConfigureAwait(false);
        LogDeadLettered(_logger, leased.Item.Id, leased.Item.Alias, leased.Item.Recipient, reason);
    }

    private async Task SeedQuotaAsync(CancellationToken stoppingToken)
    {
        if (_pacer.Quota is null || _statusStore is null)
        {
            return;
        }

        try
        {
            _pacer.Quota.Seed(await _statusStore.SentSinceAsync(_time.GetUtcNow() - TimeSpan.FromDays(1), stoppingToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogStatsFailed(_logger, ex);
        }
    }

    /// <summary>
    /// Where a queued item goes now: an alias with one target sends to its current target (a retarget applies to queued
    /// mail); with several, each item keeps its own target.
    /// </summary>
    private static string SendTo(AliasRecord alias, string queuedFor) => alias.Targets.Count == 1 ? alias.Target : queuedFor;

    /// <summary>Why an item of an alias with several targets is no longer sent (its target died or was removed); null when it is.</summary>
    private static string? TargetGone(AliasRecord alias, string queuedFor)
    {
        if (alias.Targets.Count == 1)
        {
            return null;
        }

        if (!alias.Targets.Contains(queuedFor, StringComparer.OrdinalIgnoreCase))
        {
            return "target removed from the alias";
        }

        return alias.DeadTargets.Contains(queuedFor, StringComparer.OrdinalIgnoreCase) ? "target dead" : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery {DeliveryId} goes out without a DKIM signature: {Reason}")]
    private static partial void LogUnsigned(ILogger logger, string deliveryId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent delivery {DeliveryId} alias=<{Alias}> to=<{Target}>: {Reply}")]
    private static partial void LogSent(ILogger logger, string deliveryId, string alias, string target, string reply);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deferred delivery {DeliveryId} to=<{Target}> for {Delay}: {Reply}")]
    private static partial void LogDeferred(ILogger logger, string deliveryId, string target, string reply, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider throttled delivery {DeliveryId} ({Reply}); send rate now {Rate:0.##}/s")]
    private static partial void LogThrottled(ILogger logger, string deliveryId, string reply, double rate);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider quota spent ({Reply}); sending paused for a minute")]
    private static partial void LogQuota(ILogger logger, string reply);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider unreachable ({Reply}); pausing sends for {Pause}, then probing again")]
    private static partial void LogUnreachable(ILogger logger, string reply, TimeSpan pause);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dead-lettered delivery {DeliveryId} alias=<{Alias}> to=<{Target}>: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string deliveryId, string alias, string target, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped delivery {DeliveryId} alias=<{Alias}>: {Reason}")]
    private static partial void LogDropped(ILogger logger, string deliveryId, string alias, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record sent delivery {DeliveryId}; feedback about it will not be attributed")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, string deliveryId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Send-out cannot use the queue: {Reason}. Trying again with waits doubling up to {MaxWait}; nothing more is logged until it works")]
    private static partial void LogQueueUnavailable(ILogger logger, string reason, TimeSpan maxWait);

    [LoggerMessage(Level = LogLevel.Information, Message = "Send-out can use the queue again")]
    private static partial void LogQueueAvailable(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Send worker failed; retrying in a second")]
    private static partial void LogWorkerFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read queue statistics")]
    private static partial void LogStatsFailed(ILogger logger, Exception exception);
}
