namespace MailTumble.Core.Moderation;

/// <summary>What a sender rule does with mail from a matching sender.</summary>
public enum SenderRuleAction
{
    /// <summary>Keep the mail in the held store until an operator decides.</summary>
    Hold,

    /// <summary>Refuse the mail (550 5.7.1), or accept and drop it when the rule is silent.</summary>
    Block,

    /// <summary>Forward the mail; overrides a hold rule and first-contact moderation.</summary>
    Allow,
}
