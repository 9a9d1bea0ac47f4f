using System.Buffers;
using MailTumble.Core.Diagnostics;
using MailTumble.Core.Directory;
using MailTumble.Core.Queue;
using MailTumble.Core.Rewriting;
using MailTumble.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Receiving;

/// <summary>
/// The receive stage: stores the original bytes once, rewrites the header block per target and
/// enqueues one item per target. Returns only when both are durable, so the caller may answer 250.
/// </summary>
public sealed partial class MessageReceiver
{
    private readonly IRawStore _raw;
    private readonly IOutgoingQueue _queue;
    private readonly HeaderRewriter _rewriter;
    private readonly RewriteOptions _rewriteOptions;
    private readonly ReceiveOptions _options;
    private readonly QueueSignal _signal;
    private readonly MailTumbleMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<MessageReceiver> _logger;

    /// <summary>Creates the receiver.</summary>
    public MessageReceiver(
        IRawStore raw,
        IOutgoingQueue queue,
        IOptions<RewriteOptions> rewriteOptions,
        IOptions<ReceiveOptions> options,
        QueueSignal signal,
        MailTumbleMetrics metrics,
        TimeProvider time,
        ILogger<MessageReceiver> logger)
    {
        _raw = raw;
        _queue = queue;
        _rewriteOptions = rewriteOptions.Value;
        _rewriter = new HeaderRewriter(_rewriteOptions);
        _options = options.Value;
        _signal = signal;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Accepts one message for the given aliases. Throws <see cref="QueueFullException"/> under overload
    /// and other exceptions for storage trouble; in both cases nothing was accepted.
    /// </summary>
    /// <returns>The key under which the message is stored.</returns>
    public async Task<string> ReceiveAsync(string envelopeFrom, IReadOnlyList<AliasRecord> recipients, ReadOnlySequence<byte> data, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(recipients.Count);
        var now = _time.GetUtcNow();
        var key = Guid.CreateVersion7(now).ToString("N");
        var parsed = ParsedMessage.Parse(data);
        var outgoingFrom = string.IsNullOrWhiteSpace(_rewriteOptions.FromEmail) ? null : _rewriteOptions.FromEmail;

        var items = new List<OutgoingItem>(recipients.Count);
        foreach (var alias in recipients.DistinctBy(a => a.Address))
        {
            var headers = _rewriter.Rewrite(parsed, new RewriteInput(alias.Address, alias.Target, envelopeFrom));
            items.Add(new OutgoingItem(
                Id: Guid.CreateVersion7(now).ToString("N"),
                MessageKey: key,
                Alias: alias.Address,
                Recipient: alias.Target,
                EnvelopeFrom: outgoingFrom ?? alias.Address,
                Headers: headers,
                BodyOffset: parsed.BodyOffset,
                ReceivedAt: now,
                ExpiresAt: now + _options.MaxQueueLifetime));
        }

        await _raw.PutAsync(key, data, cancellationToken).ConfigureAwait(false);
        try
        {
            await _queue.EnqueueAsync(items, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Not accepted: do not leave the raw bytes behind.
            await _raw.DeleteAsync(key, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        _metrics.Received(items.Count, data.Length);
        _signal.Notify();
        foreach (var item in items)
        {
            LogQueued(_logger, key, item.Id, envelopeFrom, item.Alias, item.Recipient, data.Length);
        }

        return key;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Queued message {MessageKey} delivery {DeliveryId}: from=<{From}> alias=<{Alias}> to=<{Target}> size={Size}")]
    private static partial void LogQueued(ILogger logger, string messageKey, string deliveryId, string from, string alias, string target, long size);
}
