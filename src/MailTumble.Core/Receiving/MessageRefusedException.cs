namespace MailTumble.Core.Receiving;

/// <summary>The message cannot be forwarded safely; the reason is meant for the sender's 5xx reply.</summary>
public sealed class MessageRefusedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MessageRefusedException()
    {
    }

    /// <summary>Creates the exception with the reason.</summary>
    public MessageRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the reason and its cause.</summary>
    public MessageRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
