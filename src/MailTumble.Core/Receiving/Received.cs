namespace MailTumble.Core.Receiving;

/// <summary>What <see cref="MessageReceiver"/> did with one message.</summary>
/// <param name="Key">The raw store key.</param>
/// <param name="Kept">Whether the bytes were stored (false when every alias dropped the message silently).</param>
/// <param name="Aliases">Per alias address, what was done and the delivery id.</param>
internal sealed record Received(string Key, bool Kept, IReadOnlyDictionary<string, (RecipientDisposition Disposition, string? DeliveryId)> Aliases);
