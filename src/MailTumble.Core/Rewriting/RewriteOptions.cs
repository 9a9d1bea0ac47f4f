namespace MailTumble.Core.Rewriting;

/// <summary>Header rewriting settings (<c>MailTumble:Rewrite</c>; <c>FROM_EMAIL</c> and <c>SUBJECT_PREFIX</c> map here).</summary>
public sealed class RewriteOptions
{
    /// <summary>The address forwarded mail is sent from. Unset: the alias address itself.</summary>
    public string? FromEmail { get; set; }

    /// <summary>Text put in front of every subject, once.</summary>
    public string? SubjectPrefix { get; set; }
}
