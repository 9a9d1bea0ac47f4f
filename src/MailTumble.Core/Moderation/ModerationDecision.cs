namespace MailTumble.Core.Moderation;

/// <summary>The verdict for one (sender, alias) and why.</summary>
/// <param name="Verdict">Forward, hold, block or drop.</param>
/// <param name="Reason">Which rule or setting decided, for the held entry and the log.</param>
/// <param name="NewSender">
/// First-contact moderation applies to the alias and it has never had mail from the sender: when the mail is
/// forwarded anyway (an allow rule), the sender is remembered, so first contact is over for them.
/// </param>
public sealed record ModerationDecision(ModerationVerdict Verdict, string Reason, bool NewSender = false)
{
    /// <summary>No rule applies: forward.</summary>
    public static ModerationDecision Forward { get; } = new(ModerationVerdict.Forward, "no rule");
}
