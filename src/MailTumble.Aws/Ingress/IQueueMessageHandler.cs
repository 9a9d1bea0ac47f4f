namespace MailTumble.Aws.Ingress;

/// <summary>
/// Handles one SQS message body for <see cref="SqsQueuePoller"/>. Returning deletes the message; throwing leaves it
/// to come back after its visibility timeout (and, after the queue's maxReceiveCount, to go to its DLQ).
/// </summary>
public interface IQueueMessageHandler
{
    /// <summary>Handles the body; must be idempotent, as SQS (and SNS before it) may deliver a message twice.</summary>
    Task HandleAsync(string body, CancellationToken cancellationToken);
}
