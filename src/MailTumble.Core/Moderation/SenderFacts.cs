namespace MailTumble.Core.Moderation;

/// <summary>What the rule store knows about some senders and one alias, fetched in one go.</summary>
/// <param name="Rules">Rules (global or for the alias) whose pattern matches one of the senders.</param>
/// <param name="FirstContact">First-contact moderation as set for the alias, else as set globally; null when never set.</param>
/// <param name="Known">Whether the alias has had mail from the primary sender approved before.</param>
public sealed record SenderFacts(IReadOnlyList<SenderRule> Rules, bool? FirstContact, bool Known);
