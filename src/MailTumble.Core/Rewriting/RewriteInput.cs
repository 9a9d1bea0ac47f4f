namespace MailTumble.Core.Rewriting;

/// <summary>What one rewrite needs to know about the delivery.</summary>
/// <param name="Alias">The alias address the mail was sent to.</param>
/// <param name="Target">Where it is forwarded.</param>
/// <param name="EnvelopeFrom">The original envelope sender (empty for the null sender).</param>
/// <param name="DeliveryId">The queue item id, named in the trace header.</param>
/// <param name="MessageKey">The stored message's key, used for a Message-ID when the message has none (shared by every target).</param>
/// <param name="Tag">The sub-address tag the mail was sent with (alias+tag@…), kept in X-MailTumble-Tag.</param>
public sealed record RewriteInput(string Alias, string Target, string EnvelopeFrom, string DeliveryId, string MessageKey, string? Tag = null);
