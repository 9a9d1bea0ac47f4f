namespace MailTumble.Core.Fairness;

/// <summary>What a lane key is made of (<c>MailTumble:Fairness:LaneBy</c>).</summary>
public enum LaneBy
{
    /// <summary>The envelope sender's domain, lower-cased; the null sender <c>&lt;&gt;</c> is its own lane.</summary>
    SenderDomain,

    /// <summary>The alias the mail was sent to.</summary>
    Alias,

    /// <summary>The alias's target (where it is forwarded).</summary>
    Target,

    /// <summary>The value of a header the submitting application sets (a tenant id); mail without it falls back to the sender's domain.</summary>
    Header,
}
