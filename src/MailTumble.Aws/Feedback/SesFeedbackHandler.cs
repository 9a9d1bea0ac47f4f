using MailTumble.Aws.Ingress;
using MailTumble.Core.Feedback;

namespace MailTumble.Aws.Feedback;

/// <summary>
/// SES bounce, complaint and delivery notifications from the SNS → SQS feedback queue. The queue is
/// trusted (only the topic can write to it), so no SNS signature check here; duplicates count once.
/// A body that is not a notification throws, stays on the queue and ends in its redrive target.
/// </summary>
internal sealed class SesFeedbackHandler(FeedbackProcessor processor) : IQueueMessageHandler
{
    public Task HandleAsync(string body, CancellationToken cancellationToken) =>
        processor.ProcessSnsEnvelopeAsync(body, cancellationToken);
}
