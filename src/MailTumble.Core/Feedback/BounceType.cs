namespace MailTumble.Core.Feedback;

/// <summary>How final a bounce is (SES's <c>bounceType</c>).</summary>
public enum BounceType
{
    /// <summary>Not a bounce, or not classified.</summary>
    None,

    /// <summary>The address cannot receive mail: counts toward killing the alias.</summary>
    Permanent,

    /// <summary>A temporary problem (mailbox full, deferral): counted separately, never kills.</summary>
    Transient,

    /// <summary>A bounce that could not be classified: treated like a transient one.</summary>
    Undetermined,
}
