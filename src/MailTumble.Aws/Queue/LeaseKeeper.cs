using System.Collections.Concurrent;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Logging;

namespace MailTumble.Aws.Queue;

/// <summary>
/// Extends the visibility of messages this process still works on (a slow send must not hand its item to another
/// worker), up to a maximum hold after which the send is presumed hung and the lease is left to run out.
/// </summary>
internal sealed partial class LeaseKeeper : IAsyncDisposable
{
    // Short enough that even a one-second lease is renewed in time; a pass over the held set costs next to nothing.
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(200);
    private readonly IAmazonSQS _sqs;
    private readonly string _queueUrl;
    private readonly TimeSpan _maxHold;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, HeldLease> _held = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _disposed;

    public LeaseKeeper(IAmazonSQS sqs, string queueUrl, TimeSpan maxHold, TimeProvider time, ILogger logger)
    {
        _sqs = sqs;
        _queueUrl = queueUrl;
        _maxHold = maxHold;
        _time = time;
        _logger = logger;
        _loop = Task.Run(() => LoopAsync(_stop.Token));
    }

    public void Hold(string receiptHandle, TimeSpan visibility)
    {
        var now = _time.GetUtcNow();
        _held[receiptHandle] = new HeldLease(visibility, now, now + visibility);
    }

    public void Forget(string receiptHandle) => _held.TryRemove(receiptHandle, out _);

    public async ValueTask DisposeAsync()
    {
        // The container may dispose the queue twice (registered as itself and as the port).
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(Tick, _time, cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            foreach (var (receipt, held) in _held)
            {
                if (now - held.Since >= _maxHold)
                {
                    _held.TryRemove(receipt, out _);
                    continue;
                }

                // Renew when half the lease is left: room for a slow request or a late tick on a busy machine.
                if (held.Until - now > held.Visibility / 2)
                {
                    continue;
                }

                try
                {
                    await _sqs.ChangeMessageVisibilityAsync(
                        new ChangeMessageVisibilityRequest { QueueUrl = _queueUrl, ReceiptHandle = receipt, VisibilityTimeout = SqsOutgoingQueue.Seconds(held.Visibility) },
                        cancellationToken).ConfigureAwait(false);
                    // Only if still held: an ack may have come in meanwhile.
                    _held.TryUpdate(receipt, held with { Until = now + held.Visibility }, held);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogExtendFailed(_logger, ex.Message);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not extend an SQS lease: {Reason}")]
    private static partial void LogExtendFailed(ILogger logger, string reason);
}
