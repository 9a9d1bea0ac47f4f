namespace MailTumble.Core.Queue;

/// <summary>The ingest channel is full; the sender should try again shortly.</summary>
public sealed class QueueFullException : Exception
{
    /// <summary>Creates the exception.</summary>
    public QueueFullException()
        : base("the ingest queue is full")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public QueueFullException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public QueueFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
