using MailTumble.Core.Receiving;

namespace MailTumble.Core.Replies;

/// <summary>What <see cref="ReplyReceiver"/> did with one reply.</summary>
/// <param name="Key">The raw store key of (the first) stored copy.</param>
/// <param name="SourceUsed">Whether the deliveries use the message source's own stored bytes (false when every copy was scrubbed or copied).</param>
/// <param name="Replies">Per reverse alias, what was done and the delivery id.</param>
internal sealed record ReplyReceived(string Key, bool SourceUsed, IReadOnlyDictionary<string, (RecipientDisposition Disposition, string? DeliveryId)> Replies);
