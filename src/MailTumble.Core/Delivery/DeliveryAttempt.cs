using System.Diagnostics;
using MailTumble.Core.Aliases;
using MailTumble.Core.Counters;
using MailTumble.Core.Diagnostics;
using MailTumble.Core.Pacing;
using MailTumble.Core.Queue;
using MailTumble.Core.Replies;
using MailTumble.Core.Sending;
using MailTumble.Core.Signing;
using MailTumble.Core.Storage;
using Microsoft.Extensions.Logging;

namespace MailTumble.Core.Delivery;

/// <summary>
/// One leased delivery, once: re-checks the alias, opens and signs the stored message, waits for the rate-budget slot,
/// sends, and has the verdict of <see cref="DeliveryPolicy"/> carried out by <see cref="DeliveryVerdictApplier"/>.
/// </summary>
internal sealed partial class DeliveryAttempt
{
    // Bodies up to this size are read into memory before the slot (see PrefetchAsync).
    private const long PrefetchLimit = 1024 * 1024;
    private readonly IOutgoingQueue _queue;
    private readonly IRawStore _raw;
    private readonly IAliasDirectory _directory;
    private readonly IMailSender _sender;
    private readonly SendPacer _pacer;
    private readonly DeliveryPolicy _policy;
    private readonly DeliveryVerdictApplier _applier;
    private readonly DeliveryConcurrency _concurrency;
    private readonly MailTumbleMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<DeliveryService> _logger;
    private readonly ReverseAliases? _replies;
    private readonly DkimSigning? _dkim;
    private readonly AliasCounters? _counters;

    /// <summary>Creates the attempt; <paramref name="dkim"/> signs only when it is enabled.</summary>
    public DeliveryAttempt(
        IOutgoingQueue queue,
        IRawStore raw,
        IAliasDirectory directory,
        IMailSender sender,
        SendPacer pacer,
        DeliveryPolicy policy,
        DeliveryVerdictApplier applier,
        DeliveryConcurrency concurrency,
        MailTumbleMetrics metrics,
        TimeProvider time,
        ILogger<DeliveryService> logger,
        TwoWayMasking? masking = null,
        DkimSigning? dkim = null,
        AliasCounters? counters = null)
    {
        _queue = queue;
        _raw = raw;
        _directory = directory;
        _sender = sender;
        _pacer = pacer;
        _policy = policy;
        _applier = applier;
        _concurrency = concurrency;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _replies = masking?.Aliases;
        _dkim = dkim is { Enabled: true } ? dkim : null;
        _counters = counters;
    }

    /// <summary>
    /// Delivers <paramref name="leased"/>; <paramref name="prefetched"/> is the lookup the hold check already made (null
    /// for approved mail and replies). <paramref name="sendToken"/> lets a send in flight finish on shutdown.
    /// </summary>
    public async Task RunAsync(LeasedItem leased, LookupResult? prefetched, CancellationToken stoppingToken, CancellationToken sendToken)
    {
        var item = leased.Item;
        var cycleStart = Stopwatch.GetTimestamp();
        var now = _time.GetUtcNow();
        if (DeliveryPolicy.Expired(leased, now) is { } expired)
        {
            await _applier.ApplyAsync(leased, expired, null, now).ConfigureAwait(false);
            return;
        }

        // A reply's delivery names its reverse alias: it goes to the correspondent while the alias exists and is not
        // disabled, and is never held (it is the owner's own mail).
        var reply = _replies?.Parse(item.Alias);
        var lookup = prefetched ?? await _directory.LookupAsync(reply?.Alias ?? item.Alias, stoppingToken).ConfigureAwait(false);
        var check = _policy.Check(leased, reply is not null, lookup, now);
        if (check.Action != DeliveryAction.Send)
        {
            await _applier.ApplyAsync(leased, check, null, now).ConfigureAwait(false);
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
            await _applier.ApplyAsync(leased, DeliveryVerdict.DeadLetter("the stored message is missing"), null, now).ConfigureAwait(false);
            return;
        }

        SendResult result;
        TimeSpan elapsed;
        TimeSpan waited;
        body = await PrefetchAsync(body, item.BodyOffset, stoppingToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            var bodyStart = body.Position;
            var headers = Sign(item, body, bodyStart);
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
            var message = new PreparedMessage(item.Id, item.EnvelopeFrom, check.Target, headers, body, turn.EnterAsync);
            result = await _sender.SendAsync(message, sendToken).ConfigureAwait(false);
            // The provider has counted it by now, if at all: the release log counts it one more window from here (a
            // send that throws is completed when the turn is disposed).
            turn.Completed();

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
        var judgedAt = _time.GetUtcNow();
        var verdict = _policy.Judge(leased, check.Target, result, _pacer.IsPaused(out _), judgedAt);
        await _applier.ApplyAsync(leased, verdict, result, judgedAt).ConfigureAwait(false);
        _concurrency.RecordTurn(Stopwatch.GetElapsedTime(cycleStart) - waited);
    }

    /// <summary>
    /// The header block to send: DKIM-signed when its From domain has a key. The body is hashed as it streams from the
    /// store and positioned at its start again. A message that cannot be signed goes out unsigned (logged), never lost.
    /// </summary>
    private ReadOnlyMemory<byte> Sign(OutgoingItem item, Stream body, long bodyStart)
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
            body.Seek(bodyStart, SeekOrigin.Begin);
        }
    }

    /// <summary>
    /// Positions the stored message at its body and, when the body is at most <see cref="PrefetchLimit"/>, reads it into
    /// memory before the slot: a store's reads after it (a file read is a thread-pool hop on Linux, PostgreSQL and S3
    /// are network round trips) would otherwise hold the content back while intake keeps the pool busy. Larger bodies
    /// stream from the store as before.
    /// </summary>
    private static async Task<Stream> PrefetchAsync(Stream stored, long bodyOffset, CancellationToken cancellationToken)
    {
        try
        {
            stored.Seek(bodyOffset, SeekOrigin.Begin);
            if (stored.Length - bodyOffset > PrefetchLimit)
            {
                return stored;
            }

            var bytes = new byte[stored.Length - bodyOffset];
            await stored.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
            await stored.DisposeAsync().ConfigureAwait(false);
            return new MemoryStream(bytes, writable: false);
        }
        catch
        {
            await stored.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    [LoggerMessage(EventId = 1040, Level = LogLevel.Warning, Message = "Delivery {DeliveryId} goes out without a DKIM signature: {Reason}")]
    private static partial void LogUnsigned(ILogger logger, string deliveryId, string reason);
}
