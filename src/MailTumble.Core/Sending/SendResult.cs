namespace MailTumble.Core.Sending;

/// <summary>The classified result of one send attempt.</summary>
/// <param name="Outcome">What the queue should do.</param>
/// <param name="Reply">The provider's reply (or the error), kept for logs and dead letters.</param>
/// <param name="ProviderMessageId">An id the provider returned, if any.</param>
public sealed record SendResult(SendOutcome Outcome, string Reply, string? ProviderMessageId = null);
