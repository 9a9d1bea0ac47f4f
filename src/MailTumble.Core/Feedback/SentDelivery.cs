namespace MailTumble.Core.Feedback;

/// <summary>A delivery as recorded when it was sent: what later feedback is attributed to.</summary>
/// <param name="DeliveryId">The queue item id (carried in the signed bounce address).</param>
/// <param name="Alias">The alias that forwarded the message.</param>
/// <param name="Target">Where it was sent.</param>
/// <param name="ProviderMessageId">The id the provider gave in its reply to DATA (SES), if any.</param>
/// <param name="SentAt">When it was sent.</param>
public sealed record SentDelivery(string DeliveryId, string Alias, string Target, string? ProviderMessageId, DateTimeOffset SentAt);
