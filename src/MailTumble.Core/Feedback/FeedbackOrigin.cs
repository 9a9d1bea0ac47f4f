namespace MailTumble.Core.Feedback;

/// <summary>Where feedback came from; decides how far an expired bounce address is still trusted.</summary>
public enum FeedbackOrigin
{
    /// <summary>Mail to the bounce or complaints address over SMTP: anyone can send it, so only unexpired tokens count.</summary>
    Smtp,

    /// <summary>SES through SNS or SQS: AWS vouches for it.</summary>
    Ses,

    /// <summary>An operator replaying a saved report (<c>mailtumble feedback ingest</c>).</summary>
    File,
}
