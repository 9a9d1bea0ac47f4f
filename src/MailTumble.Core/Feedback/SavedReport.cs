namespace MailTumble.Core.Feedback;

/// <summary>
/// A saved report as <c>feedback ingest</c> reads it: the JSON inside when it is a mail whose body is an SNS envelope or an
/// SES notification (an email-json subscription), else its bytes as they are. Unwrapped once, here; then checked
/// (<see cref="Sns.ISnsSubscription.CheckSavedAsync"/>) and processed (<see cref="FeedbackProcessor.ProcessDocumentAsync"/>).
/// </summary>
public sealed class SavedReport
{
    private SavedReport(ReadOnlyMemory<byte> content) => Content = content;

    /// <summary>The report: JSON (SNS envelope or SES notification) or a message (DSN, ARF).</summary>
    public ReadOnlyMemory<byte> Content { get; }

    /// <summary>Reads a saved file's bytes; <paramref name="reader"/> recognises the JSON in a saved mail.</summary>
    public static SavedReport Read(ReadOnlyMemory<byte> saved, IFeedbackDocumentReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new(MailReportParser.JsonIn(saved, reader));
    }
}
