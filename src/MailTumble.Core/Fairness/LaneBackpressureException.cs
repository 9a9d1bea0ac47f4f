using MailTumble.Core.Receiving;

namespace MailTumble.Core.Fairness;

/// <summary>The message's lane is under backpressure; nothing was accepted and <see cref="Reply"/> asks the sender to retry.</summary>
public sealed class LaneBackpressureException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LaneBackpressureException()
        : this(new SmtpReply(451, "4.7.1 Mail from this sender is queued faster than it can be sent; try again later"))
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public LaneBackpressureException(string message)
        : base(message)
    {
        Reply = new SmtpReply(451, "4.7.1 " + message);
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public LaneBackpressureException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reply = new SmtpReply(451, "4.7.1 " + message);
    }

    /// <summary>Creates the exception for a reply.</summary>
    public LaneBackpressureException(SmtpReply reply)
        : base(reply?.Text)
    {
        Reply = reply!;
    }

    /// <summary>The temporary refusal to give.</summary>
    public SmtpReply Reply { get; }
}
