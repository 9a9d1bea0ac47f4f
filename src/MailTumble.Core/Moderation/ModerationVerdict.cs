namespace MailTumble.Core.Moderation;

/// <summary>What happens to mail from one sender to one alias.</summary>
public enum ModerationVerdict
{
    /// <summary>Queue it for sending.</summary>
    Forward,

    /// <summary>Keep it in the held store.</summary>
    Hold,

    /// <summary>Refuse it with 550 5.7.1.</summary>
    Block,

    /// <summary>Accept it and throw it away (a silent block).</summary>
    Drop,
}
