using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;

namespace MailTumble.Core.Receiving;

/// <summary>
/// What <see cref="ReceivePlanner"/> decided for one message: per alias forward (queued), hold, dead-letter (a loop),
/// block or drop, what is persisted, and whether the whole message is refused instead.
/// </summary>
/// <param name="Queued">Deliveries to enqueue, one per live target.</param>
/// <param name="Held">Deliveries for the held store.</param>
/// <param name="Loops">Deliveries kept as dead letters and never sent (a relay loop), with the reason.</param>
/// <param name="NewSenders">(alias, sender) pairs to remember once accepted, so the next message is not a first contact.</param>
/// <param name="Moderated">Aliases whose rules blocked or dropped the message, in order (each is logged and counted as blocked).</param>
/// <param name="Dispositions">Per alias address, what is done and the delivery id.</param>
internal sealed record ReceivePlan(
    IReadOnlyList<OutgoingItem> Queued,
    IReadOnlyList<HeldMessage> Held,
    IReadOnlyList<(OutgoingItem Item, string Reason)> Loops,
    IReadOnlyList<(string Alias, string Sender)> NewSenders,
    IReadOnlyList<ModeratedRecipient> Moderated,
    IReadOnlyDictionary<string, (RecipientDisposition Disposition, string? DeliveryId)> Dispositions)
{
    /// <summary>Set when every recipient blocks the message: it is refused as a whole with this (550) text.</summary>
    public string? Blocked { get; init; }

    /// <summary>Set when the message cannot be made safe to forward: it is refused as a whole (554) for this reason.</summary>
    public string? Refused { get; init; }

    /// <summary>Whether anything is kept (queued, held or dead-lettered), so the bytes must be stored.</summary>
    public bool Keeps => Queued.Count > 0 || Held.Count > 0 || Loops.Count > 0;
}
