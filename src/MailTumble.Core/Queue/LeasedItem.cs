namespace MailTumble.Core.Queue;

/// <summary>A delivery leased to one worker until <paramref name="LeasedUntil"/>.</summary>
/// <param name="Item">The delivery.</param>
/// <param name="Attempts">Send attempts before this one.</param>
/// <param name="LeaseToken">Identifies this lease; acks with a stale token are ignored.</param>
/// <param name="LeasedUntil">When the lease runs out and the item becomes visible again.</param>
/// <param name="LastError">The reply of the previous failed attempt, if any.</param>
public sealed record LeasedItem(OutgoingItem Item, int Attempts, string LeaseToken, DateTimeOffset LeasedUntil, string? LastError = null);
