namespace MailTumble.Core.Rewriting;

/// <summary>Header rewriting settings (<c>MailTumble:Rewrite</c>; <c>FROM_EMAIL</c> and <c>SUBJECT_PREFIX</c> map here).</summary>
public sealed class RewriteOptions
{
    /// <summary>The address forwarded mail is sent from. Unset: the alias address itself.</summary>
    public string? FromEmail { get; set; }

    /// <summary>Text put in front of every subject, once.</summary>
    public string? SubjectPrefix { get; set; }

    /// <summary>How the new From's display name is built: <c>name</c>, <c>name-and-address</c>, <c>address</c> or <c>none</c>.</summary>
    public string FromFormat { get; set; } = "name";

    /// <summary><c>unchanged</c> keeps To as received; <c>target</c> replaces it with the alias's target.</summary>
    public string ToHeader { get; set; } = "unchanged";

    /// <summary>A message that has passed through MailTumble more often than this is dead-lettered as a loop.</summary>
    public int MaxHops { get; set; } = 3;

    /// <summary>Domain of the signed bounce address. Unset: the FROM_EMAIL domain, else the alias's domain.</summary>
    public string? BounceDomain { get; set; }

    /// <summary>Secret for signing bounce addresses (at least 16 characters). Unset: a random key kept in <see cref="BounceKeyFile"/>.</summary>
    public string? BounceKey { get; set; }

    /// <summary>Where the generated bounce key is kept (the host sets it inside the data directory).</summary>
    public string? BounceKeyFile { get; set; }

    /// <summary>How long a bounce address stays valid.</summary>
    public TimeSpan BounceLifetime { get; set; } = TimeSpan.FromDays(7);
}
