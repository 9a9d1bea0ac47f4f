namespace MailTumble.Core.Moderation;

/// <summary>The verdict for one (sender, alias) and why.</summary>
/// <param name="Verdict">Forward, hold, block or drop.</param>
/// <param name="Reason">Which rule or setting decided, for the held entry and the log.</param>
public sealed record ModerationDecision(ModerationVerdict Verdict, string Reason)
{
    /// <summary>No rule applies: forward.</summary>
    public static ModerationDecision Forward { get; } = new(ModerationVerdict.Forward, "no rule");
}
