using MailTumble.Core.Queue;

namespace MailTumble.Core.Moderation;

/// <summary>One delivery kept in the held store; its id is the delivery's id.</summary>
/// <param name="Item">The delivery exactly as it would be queued (rewritten headers included).</param>
/// <param name="Sender">The author (header From, else the envelope sender), lower case.</param>
/// <param name="EnvelopeSender">The original MAIL FROM, when known.</param>
/// <param name="Subject">The subject, for listings.</param>
/// <param name="Size">Size of the stored message in bytes.</param>
/// <param name="Reason">Why it was held (the rule or setting).</param>
/// <param name="HeldAt">When it was held.</param>
/// <param name="Decision">The decision, once made.</param>
public sealed record HeldMessage(
    OutgoingItem Item,
    string Sender,
    string EnvelopeSender,
    string Subject,
    long Size,
    string Reason,
    DateTimeOffset HeldAt,
    HeldDecision? Decision = null)
{
    /// <summary>The held entry's id (the delivery id).</summary>
    public string Id => Item.Id;

    /// <summary>Held, approved or rejected.</summary>
    public HeldState State => Decision?.State ?? HeldState.Held;
}
