namespace MailTumble.Core.Feedback;

/// <summary>
/// Port: reads the feedback a provider sends as a JSON document (an SNS envelope, an SES notification or event record)
/// into Core's <see cref="FeedbackReading"/>. The format is the adapter's (MailTumble.Aws, registered in every mode: SNS
/// HTTPS, SQS and saved files use it); which delivery an event is about, what it counts and whether an alias dies are
/// the <see cref="FeedbackProcessor"/>'s decisions.
/// </summary>
public interface IFeedbackDocumentReader
{
    /// <summary>
    /// Reads a document that is an SNS envelope whose <c>Message</c> is the SES notification, or the SES notification
    /// itself (an SQS body with raw message delivery, a saved file). No SNS signature is checked here. An envelope that is
    /// no notification, or whose message is no SES notification, is read as <see cref="FeedbackReading.NotAReport"/>.
    /// Throws <see cref="FormatException"/> when the text is not JSON, is neither an SNS message nor an SES notification,
    /// or lacks a field it must have.
    /// </summary>
    FeedbackReading Read(string json);

    /// <summary>
    /// The length in bytes of the SNS envelope or SES notification that <paramref name="utf8"/> starts with (the body of
    /// an SNS email or email-json subscription, which SNS follows with an unsubscribe footer); 0 when it starts with no
    /// such document.
    /// </summary>
    int FeedbackJsonLength(ReadOnlySpan<byte> utf8);
}
