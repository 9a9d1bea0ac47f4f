namespace MailTumble.Core.Bounces;

/// <summary>The result of checking a bounce address.</summary>
/// <param name="Status">Whether it can be trusted.</param>
/// <param name="DeliveryId">The queue item it was issued for (set when the signature matched).</param>
/// <param name="ExpiresAt">When it stops being valid (set when the signature matched).</param>
public sealed record BounceCheck(BounceStatus Status, string? DeliveryId, DateTimeOffset? ExpiresAt);
