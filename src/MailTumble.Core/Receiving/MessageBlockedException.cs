namespace MailTumble.Core.Receiving;

/// <summary>A sender rule blocks the message; the caller answers 550 5.7.1 with the message.</summary>
public sealed class MessageBlockedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MessageBlockedException()
    {
    }

    /// <summary>Creates the exception with the reason.</summary>
    public MessageBlockedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the reason and its cause.</summary>
    public MessageBlockedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
