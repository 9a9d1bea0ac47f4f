namespace MailTumble.Core.Sending;

/// <summary>How a send attempt ended, as far as the queue is concerned.</summary>
public enum SendOutcome
{
    /// <summary>The provider took the message.</summary>
    Sent,

    /// <summary>The provider asked us to slow down; retry within seconds at a lower rate.</summary>
    Throttled,

    /// <summary>The provider's daily quota is spent; pause sending.</summary>
    QuotaExceeded,

    /// <summary>A temporary failure (4xx); retry later with backoff.</summary>
    TransientFailure,

    /// <summary>The provider could not be reached at all; pause sending briefly, then probe again.</summary>
    ProviderUnavailable,

    /// <summary>A permanent failure (5xx); dead-letter.</summary>
    PermanentFailure,
}
