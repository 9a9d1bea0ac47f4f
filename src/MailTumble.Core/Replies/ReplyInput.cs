namespace MailTumble.Core.Replies;

/// <summary>What rewriting one reply for one correspondent needs.</summary>
/// <param name="Alias">The alias the reply goes out from.</param>
/// <param name="Target">The alias's owner, whose address must not appear.</param>
/// <param name="Correspondent">Who this delivery goes to.</param>
/// <param name="DeliveryId">The queue item id, named in the trace header.</param>
/// <param name="MessageKey">The stored message's key, for a Message-ID when the reply has none.</param>
/// <param name="DisplayName">The alias's display name for the new <c>From</c>; null or empty for the bare address.</param>
internal sealed record ReplyInput(string Alias, string Target, string Correspondent, string DeliveryId, string MessageKey, string? DisplayName = null);
