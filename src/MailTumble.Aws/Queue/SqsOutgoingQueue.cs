using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using MailTumble.Aws.Status;
using MailTumble.Core.Queue;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Aws.Queue;

/// <summary>
/// The outgoing queue on SQS (<c>QUEUE_URL</c>). Items are JSON bodies; a lease is a receive with a visibility timeout
/// (kept alive while this process works on it), an ack deletes, a retry re-sends the item with its new attempt count
/// and error and a <c>DelaySeconds</c> (longer waits are finished by hiding it again when received early), and dead
/// letters go to the configured DLQ or the queue's redrive target. SQS has no priorities: <see cref="OutgoingItem.Priority"/> is kept but not used.
/// Lanes are SQS's own: every message carries its lane as <c>MessageGroupId</c>, so a fair queue (a standard queue whose
/// messages have group ids) keeps one tenant's backlog from delaying the others across every process (<see cref="LaneAccess.Native"/>).
/// </summary>
internal sealed partial class SqsOutgoingQueue : IOutgoingQueue, IDeadLetterAdmin, IAsyncDisposable
{
    private const int MaxDelaySeconds = 900;
    private const int MaxVisibilitySeconds = 43_200;
    private readonly IAmazonSQS _sqs;
    private readonly DeliveryReferences _references;
    private readonly SentLog _sentLog;
    private readonly AwsOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<SqsOutgoingQueue> _logger;
    private readonly string _queueUrl;
    private readonly LeaseKeeper? _keeper;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _deferred = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _deadGate = new(1, 1);
    private string? _deadUrl;
    private int _disposed;

    public SqsOutgoingQueue(IAmazonSQS sqs, DeliveryReferences references, SentLog sentLog, IOptions<AwsOptions> options, TimeProvider time, ILogger<SqsOutgoingQueue> logger)
    {
        _sqs = sqs;
        _sentLog = sentLog;
        _references = references;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _queueUrl = _options.QueueUrl!;
        _deadUrl = string.IsNullOrWhiteSpace(_options.DeadLetterQueueUrl) ? null : _options.DeadLetterQueueUrl;
        _keeper = _options.ExtendVisibility ? new LeaseKeeper(sqs, _queueUrl, _options.MaxLeaseHold, time, logger) : null;
    }

    public async Task EnqueueAsync(IReadOnlyList<OutgoingItem> items, CancellationToken cancellationToken)
    {
        // References first: a delivery must never be visible while its message looks unreferenced.
        await _references.AddAsync(items, cancellationToken).ConfigureAwait(false);
        await SendAsync(_queueUrl, items.Select(QueuedDelivery.From), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<LeasedItem>> LeaseAsync(int max, TimeSpan visibility, CancellationToken cancellationToken)
    {
        var response = await SqsQueueErrors.GuardAsync(
            () => _sqs.ReceiveMessageAsync(
                new ReceiveMessageRequest
                {
                    QueueUrl = _queueUrl,
                    MaxNumberOfMessages = Math.Clamp(max, 1, 10),
                    VisibilityTimeout = Seconds(visibility),
                    WaitTimeSeconds = Math.Clamp(_options.ReceiveWaitSeconds, 0, 20),
                },
                cancellationToken),
            SqsQueueErrors.OutgoingSetting,
            _queueUrl).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var leased = new List<LeasedItem>();
        foreach (var message in response.Messages ?? [])
        {
            var body = Decode(message);
            if (body is null)
            {
                // Left alone: after maxReceiveCount receives the redrive policy moves it to the DLQ.
                continue;
            }

            if (body.NotBefore is { } due && due > now + TimeSpan.FromSeconds(1))
            {
                // A retry further out than DelaySeconds allows: hide it for the rest of the wait.
                await HideAsync(message.ReceiptHandle, due - now, cancellationToken).ConfigureAwait(false);
                continue;
            }

            _deferred.TryRemove(body.Id, out _);
            _keeper?.Hold(message.ReceiptHandle, visibility);
            leased.Add(new LeasedItem(body.ToItem(), body.Attempts, message.ReceiptHandle, now + visibility, body.LastError));
        }

        return leased;
    }

    public async Task<bool> AckAsync(LeasedItem item, string outcome, CancellationToken cancellationToken)
    {
        _keeper?.Forget(item.LeaseToken);
        await _sqs.DeleteMessageAsync(new DeleteMessageRequest { QueueUrl = _queueUrl, ReceiptHandle = item.LeaseToken }, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        if (outcome == "sent")
        {
            // The daily quota's history, shared by every process (SQS keeps none). Only a history: never fail the ack for it.
            try
            {
                await _sentLog.RecordAsync(item.Item.Id, now, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonServiceException ex)
            {
                LogSentLogFailed(_logger, item.Item.Id, ex.Message);
            }
        }

        LogAcked(_logger, item.Item.Id, outcome);
        return await _references.RemoveAsync(item.Item.MessageKey, item.Item.Id, cancellationToken).ConfigureAwait(false);
    }

    public async Task RetryAsync(LeasedItem item, DateTimeOffset notBefore, string reason, CancellationToken cancellationToken)
    {
        var body = QueuedDelivery.From(item.Item) with { Attempts = item.Attempts + 1, LastError = reason, NotBefore = notBefore };

        // Send the new copy before deleting the old: a crash in between leaves a duplicate with the same id, never a loss.
        await SendAsync(_queueUrl, [body], cancellationToken).ConfigureAwait(false);
        _deferred[item.Item.Id] = notBefore;
        await DeleteAsync(item, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeadLetterAsync(LeasedItem item, string reason, CancellationToken cancellationToken)
    {
        var body = QueuedDelivery.From(item.Item) with { Attempts = item.Attempts + 1, LastError = item.LastError, DeadReason = reason, DeadAt = _time.GetUtcNow() };
        await SendAsync(await DeadUrlAsync(cancellationToken).ConfigureAwait(false), [body], cancellationToken).ConfigureAwait(false);
        await DeleteAsync(item, cancellationToken).ConfigureAwait(false);
    }

    public async Task EnqueueDeadAsync(IReadOnlyList<OutgoingItem> items, string reason, CancellationToken cancellationToken)
    {
        await _references.AddAsync(items, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        await SendAsync(
            await DeadUrlAsync(cancellationToken).ConfigureAwait(false),
            items.Select(i => QueuedDelivery.From(i) with { DeadReason = reason, DeadAt = now }),
            cancellationToken).ConfigureAwait(false);
    }

    public async Task ReleaseAsync(IReadOnlyList<LeasedItem> items, CancellationToken cancellationToken)
    {
        foreach (var chunk in items.Chunk(10))
        {
            foreach (var item in chunk)
            {
                _keeper?.Forget(item.LeaseToken);
            }

            await _sqs.ChangeMessageVisibilityBatchAsync(
                new ChangeMessageVisibilityBatchRequest
                {
                    QueueUrl = _queueUrl,
                    Entries = chunk.Select((l, i) => new ChangeMessageVisibilityBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), l.LeaseToken) { VisibilityTimeout = 0 }).ToList(),
                },
                cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<QueueStats> GetStatsAsync(CancellationToken cancellationToken)
    {
        var main = await SqsQueueErrors.GuardAsync(() => CountsAsync(_queueUrl, cancellationToken), SqsQueueErrors.OutgoingSetting, _queueUrl).ConfigureAwait(false);
        var deadUrl = await TryDeadUrlAsync(cancellationToken).ConfigureAwait(false);
        var dead = deadUrl is null ? default : await SqsQueueErrors.GuardAsync(() => CountsAsync(deadUrl, cancellationToken), "MailTumble:Aws:DeadLetterQueueUrl (or the redrive policy of QUEUE_URL)", deadUrl).ConfigureAwait(false);
        // SQS counts are approximate, and SQS keeps no trace of deleted messages: what was sent is not the queue's to say.
        return new QueueStats(main.Ready, main.InFlight, main.Delayed, dead.Ready + dead.InFlight + dead.Delayed, SentLastMinute: null);
    }

    // The main queue only: the status loop asks every few seconds, and needs no dead-letter count.
    public async Task<QueueDepth> GetDepthAsync(CancellationToken cancellationToken)
    {
        var main = await SqsQueueErrors.GuardAsync(() => CountsAsync(_queueUrl, cancellationToken), SqsQueueErrors.OutgoingSetting, _queueUrl).ConfigureAwait(false);
        return new QueueDepth(main.Ready, main.InFlight, main.Delayed);
    }

    /// <summary>Only retries scheduled by this process are known: SQS cannot say when another process's delayed message is due.</summary>
    public Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        foreach (var (id, due) in _deferred)
        {
            if (due < now - TimeSpan.FromMinutes(1))
            {
                _deferred.TryRemove(id, out _);
            }
        }

        return Task.FromResult(_deferred.IsEmpty ? (DateTimeOffset?)null : _deferred.Values.Min());
    }

    public LaneAccess LaneAccess => LaneAccess.Native;

    public Task<IReadOnlyList<string>> ListDueLanesAsync(string? after, int limit, CancellationToken cancellationToken) => throw SqsLanes.NotPerLane();

    public Task<IReadOnlyList<LeasedItem>> LeaseLanesAsync(IReadOnlyList<LaneTake> takes, TimeSpan visibility, CancellationToken cancellationToken) => throw SqsLanes.NotPerLane();

    public Task<LaneCensus> GetLaneCensusAsync(LaneCensusQuery query, CancellationToken cancellationToken) => throw SqsLanes.NotPerLane();

    public Task<IReadOnlyList<LaneStats>> GetLaneStatsAsync(IReadOnlyList<string> lanes, CancellationToken cancellationToken) => throw SqsLanes.NotPerLane();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (_keeper is not null)
        {
            await _keeper.DisposeAsync().ConfigureAwait(false);
        }

        _deadGate.Dispose();
    }

    internal static int Seconds(TimeSpan span) => (int)Math.Clamp(Math.Ceiling(span.TotalSeconds), 0, MaxVisibilitySeconds);

    private async Task SendAsync(string url, IEnumerable<QueuedDelivery> bodies, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        foreach (var chunk in bodies.Chunk(10))
        {
            var response = await _sqs.SendMessageBatchAsync(
                new SendMessageBatchRequest
                {
                    QueueUrl = url,
                    Entries = chunk.Select((b, i) => new SendMessageBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), JsonSerializer.Serialize(b, AwsJsonContext.Default.QueuedDelivery))
                    {
                        DelaySeconds = b.NotBefore is { } due ? Math.Clamp(Seconds(due - now), 0, MaxDelaySeconds) : 0,
                        MessageGroupId = SqsLanes.GroupId(b.Lane),
                    }).ToList(),
                },
                cancellationToken).ConfigureAwait(false);
            if (response.Failed is { Count: > 0 } failed)
            {
                var reasons = string.Join("; ", failed.Select(f => $"{f.Code}: {f.Message}"));
                throw failed.All(f => f.SenderFault != true) ? new QueueFullException("SQS refused part of a batch: " + reasons) : new InvalidOperationException("SQS refused part of a batch: " + reasons);
            }
        }
    }

    private async Task DeleteAsync(LeasedItem item, CancellationToken cancellationToken)
    {
        _keeper?.Forget(item.LeaseToken);
        await _sqs.DeleteMessageAsync(new DeleteMessageRequest { QueueUrl = _queueUrl, ReceiptHandle = item.LeaseToken }, cancellationToken).ConfigureAwait(false);
    }

    private Task HideAsync(string receipt, TimeSpan span, CancellationToken cancellationToken) =>
        _sqs.ChangeMessageVisibilityAsync(new ChangeMessageVisibilityRequest { QueueUrl = _queueUrl, ReceiptHandle = receipt, VisibilityTimeout = Seconds(span) }, cancellationToken);

    /// <summary>Receives every message of a (small) queue, hiding each for a minute so none is seen twice.</summary>
    private async Task<List<(Message Message, QueuedDelivery Body)>> DrainAsync(string url, CancellationToken cancellationToken)
    {
        var all = new List<(Message, QueuedDelivery)>();
        while (true)
        {
            var response = await _sqs.ReceiveMessageAsync(
                new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 10, VisibilityTimeout = 60, WaitTimeSeconds = Math.Min(_options.ReceiveWaitSeconds, 1) },
                cancellationToken).ConfigureAwait(false);
            if (response.Messages is not { Count: > 0 } messages)
            {
                return all;
            }

            all.AddRange(messages.Select(m => (m, Decode(m))).Where(p => p.Item2 is not null).Select(p => (p.m, p.Item2!)));
        }
    }

    private async Task ShowAsync(string url, List<string> receipts, CancellationToken cancellationToken)
    {
        foreach (var chunk in receipts.Chunk(10))
        {
            await _sqs.ChangeMessageVisibilityBatchAsync(
                new ChangeMessageVisibilityBatchRequest
                {
                    QueueUrl = url,
                    Entries = chunk.Select((r, i) => new ChangeMessageVisibilityBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), r) { VisibilityTimeout = 0 }).ToList(),
                },
                cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(long Ready, long InFlight, long Delayed)> CountsAsync(string url, CancellationToken cancellationToken)
    {
        var response = await _sqs.GetQueueAttributesAsync(
            new GetQueueAttributesRequest
            {
                QueueUrl = url,
                AttributeNames = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
            },
            cancellationToken).ConfigureAwait(false);
        long Get(string name) => response.Attributes?.TryGetValue(name, out var v) == true && long.TryParse(v, CultureInfo.InvariantCulture, out var n) ? n : 0;
        return (Get("ApproximateNumberOfMessages"), Get("ApproximateNumberOfMessagesNotVisible"), Get("ApproximateNumberOfMessagesDelayed"));
    }

    private async Task<string?> TryDeadUrlAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await DeadUrlAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private async Task<string> DeadUrlAsync(CancellationToken cancellationToken)
    {
        if (_deadUrl is { } known)
        {
            return known;
        }

        await _deadGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_deadUrl is null)
            {
                var attributes = await _sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest { QueueUrl = _queueUrl, AttributeNames = ["RedrivePolicy"] }, cancellationToken).ConfigureAwait(false);
                var arn = attributes.Attributes?.TryGetValue("RedrivePolicy", out var policy) == true
                    ? JsonDocument.Parse(policy).RootElement.TryGetProperty("deadLetterTargetArn", out var target) ? target.GetString() : null
                    : null;
                if (string.IsNullOrEmpty(arn))
                {
                    throw new InvalidOperationException("MailTumble:Aws:DeadLetterQueueUrl is not set and the queue at QUEUE_URL has no redrive policy naming a dead-letter queue");
                }

                // arn:aws:sqs:<region>:<account>:<name>
                var parts = arn.Split(':');
                var url = await _sqs.GetQueueUrlAsync(new GetQueueUrlRequest { QueueName = parts[^1], QueueOwnerAWSAccountId = parts[^2] }, cancellationToken).ConfigureAwait(false);
                _deadUrl = url.QueueUrl;
            }

            return _deadUrl;
        }
        finally
        {
            _deadGate.Release();
        }
    }

    private QueuedDelivery? Decode(Message message)
    {
        try
        {
            return JsonSerializer.Deserialize(message.Body, AwsJsonContext.Default.QueuedDelivery);
        }
        catch (JsonException ex)
        {
            LogUnreadable(_logger, message.MessageId, ex.Message);
            return null;
        }
    }

    [LoggerMessage(EventId = 3040, Level = LogLevel.Warning, Message = "Could not record sent delivery {DeliveryId} in the sent log (daily quota history): {Reason}")]
    private static partial void LogSentLogFailed(ILogger logger, string deliveryId, string reason);

    [LoggerMessage(EventId = 3041, Level = LogLevel.Debug, Message = "Removed delivery {DeliveryId} from SQS: {Outcome}")]
    private static partial void LogAcked(ILogger logger, string deliveryId, string outcome);

    [LoggerMessage(EventId = 3042, Level = LogLevel.Error, Message = "SQS message {MessageId} is not a MailTumble delivery ({Reason}); leaving it to the redrive policy")]
    private static partial void LogUnreadable(ILogger logger, string messageId, string reason);
}
