using MailTumble.Core.Moderation;

namespace MailTumble.Core.Receiving;

/// <summary>An alias whose sender rules stopped the message: blocked (refused for it) or dropped silently.</summary>
/// <param name="Alias">The alias address.</param>
/// <param name="Verdict"><see cref="ModerationVerdict.Block"/> or <see cref="ModerationVerdict.Drop"/>.</param>
/// <param name="Reason">The rule that decided it.</param>
internal sealed record ModeratedRecipient(string Alias, ModerationVerdict Verdict, string Reason);
