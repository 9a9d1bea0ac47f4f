using Amazon.SQS;
using Amazon.SQS.Model;
using MailTumble.Core.Queue;
using Microsoft.Extensions.Logging;

namespace MailTumble.Aws.Queue;

/// <summary>Keeps the SQS messages this process still works on invisible to other workers (see <see cref="LeaseRenewer"/>).</summary>
internal sealed partial class LeaseKeeper : IAsyncDisposable
{
    // Short enough that even a one-second lease is renewed in time; a pass over the held set costs next to nothing.
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(200);
    private readonly LeaseRenewer _renewer;

    public LeaseKeeper(IAmazonSQS sqs, string queueUrl, TimeSpan maxHold, TimeProvider time, ILogger logger)
    {
        _renewer = new LeaseRenewer(
            async (receipt, visibility, ct) =>
            {
                await sqs.ChangeMessageVisibilityAsync(
                    new ChangeMessageVisibilityRequest { QueueUrl = queueUrl, ReceiptHandle = receipt, VisibilityTimeout = SqsOutgoingQueue.Seconds(visibility) },
                    ct).ConfigureAwait(false);
                return true;
            },
            maxHold,
            Tick,
            time,
            ex => LogExtendFailed(logger, ex.Message));
    }

    public void Hold(string receiptHandle, TimeSpan visibility) => _renewer.Hold(receiptHandle, visibility);

    public void Forget(string receiptHandle) => _renewer.Forget(receiptHandle);

    public ValueTask DisposeAsync() => _renewer.DisposeAsync();

    [LoggerMessage(EventId = 3030, Level = LogLevel.Warning, Message = "Could not extend an SQS lease: {Reason}")]
    private static partial void LogExtendFailed(ILogger logger, string reason);
}
