namespace MailTumble.Core.Bounces;

/// <summary>What a bounce address check found.</summary>
public enum BounceStatus
{
    /// <summary>Ours, unaltered, unexpired (and for the given target, when one was given).</summary>
    Valid,

    /// <summary>Not a <c>bounces+token@domain</c> address, or the token does not decode.</summary>
    NotBounceAddress,

    /// <summary>The signature does not match: forged or altered.</summary>
    Forged,

    /// <summary>Genuine but past its lifetime.</summary>
    Expired,

    /// <summary>Genuine, but issued for a different target.</summary>
    WrongTarget,
}
