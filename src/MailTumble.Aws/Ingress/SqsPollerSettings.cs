namespace MailTumble.Aws.Ingress;

/// <summary>One queue for <see cref="SqsQueuePoller"/>.</summary>
/// <param name="Name">A name for logs, e.g. <c>ses-inbound</c> or <c>feedback</c>.</param>
/// <param name="QueueUrl">The SQS queue URL.</param>
/// <param name="WaitSeconds">Long-polling wait (0 to 20).</param>
/// <param name="Visibility">How long a message is hidden while its handler runs; a failed one returns after this.</param>
/// <param name="Setting">The setting that names the queue, for the line logged when the queue cannot be used.</param>
public sealed record SqsPollerSettings(string Name, string QueueUrl, int WaitSeconds = 20, TimeSpan? Visibility = null, string? Setting = null);
