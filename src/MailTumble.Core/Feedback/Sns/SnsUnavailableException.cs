namespace MailTumble.Core.Feedback.Sns;

/// <summary>A call SNS handling needs (the certificate, the subscription URL) failed for a passing reason; SNS should retry.</summary>
public sealed class SnsUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SnsUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SnsUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public SnsUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
