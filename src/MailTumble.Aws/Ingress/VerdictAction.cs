namespace MailTumble.Aws.Ingress;

/// <summary>What to do with a message whose SES verdict failed.</summary>
public enum VerdictAction
{
    /// <summary>Forward it as usual.</summary>
    Pass,

    /// <summary>Keep it for an operator. Until moderation exists this forwards it and logs a warning.</summary>
    Hold,

    /// <summary>Do not forward it; log and forget.</summary>
    Drop,
}
