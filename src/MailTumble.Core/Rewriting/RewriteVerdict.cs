namespace MailTumble.Core.Rewriting;

/// <summary>What should happen to a rewritten delivery.</summary>
public enum RewriteVerdict
{
    /// <summary>Send it.</summary>
    Forward,

    /// <summary>It has looped through MailTumble too often: store it as a dead letter, do not send.</summary>
    Loop,

    /// <summary>It cannot be made safe: refuse the message (5xx), store nothing.</summary>
    Refuse,
}
