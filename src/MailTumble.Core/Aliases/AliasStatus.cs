namespace MailTumble.Core.Aliases;

/// <summary>What the relay does with mail for an alias.</summary>
public enum AliasStatus
{
    /// <summary>Mail is forwarded.</summary>
    Active,

    /// <summary>Mail is accepted and kept for moderation (deferred until the held store exists).</summary>
    Held,

    /// <summary>The target bounced or complained; mail is refused.</summary>
    Dead,

    /// <summary>Switched off by an operator; mail is refused.</summary>
    Disabled,
}
