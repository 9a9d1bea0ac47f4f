namespace MailTumble.Core.Queue;

/// <summary>
/// The queue itself cannot be used (it does not exist, or it is not ours to read): a setting is wrong, not one call.
/// The message names the setting; it is logged once per outage, without a stack trace, while the caller backs off.
/// </summary>
public sealed class QueueUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public QueueUnavailableException()
        : base("the queue is unavailable")
    {
    }

    /// <summary>Creates the exception with a message naming the setting.</summary>
    public QueueUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message naming the setting and the service's own error.</summary>
    public QueueUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
