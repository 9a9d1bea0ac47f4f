namespace MailTumble.Core.Feedback.Sns;

/// <summary>What <c>POST /feedback/sns</c> did with a message.</summary>
public enum SnsOutcome
{
    /// <summary>Verified and processed (a notification, or a confirmed subscription).</summary>
    Accepted,

    /// <summary>Not valid JSON or not an SNS message.</summary>
    Malformed,

    /// <summary>Unsigned, badly signed, from a bad certificate URL, or from a topic not on the allowlist: nothing changed.</summary>
    Forbidden,

    /// <summary>The signing certificate (or the subscription URL) could not be reached just now: nothing changed; SNS retries.</summary>
    Unavailable,
}
