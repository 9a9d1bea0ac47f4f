namespace MailTumble.Core.Feedback;

/// <summary>
/// A saved report as <c>feedback ingest</c> reads it: the JSON inside when it is a mail whose body is an SNS envelope or an
/// SES notification (an email-json subscription), else its bytes as they are. Unwrapped once, here; then checked
/// (<see cref="Sns.SnsFeedbackHandler.CheckSavedAsync"/>) and processed (<see cref="FeedbackProcessor.ProcessDocumentAsync"/>).
/// </summary>
public sealed class SavedReport
{
    private SavedReport(ReadOnlyMemory<byte> content) => Content = content;

    /// <summary>The report: JSON (SNS envelope or SES notification) or a message (DSN, ARF).</summary>
    public ReadOnlyMemory<byte> Content { get; }

    /// <summary>Reads a saved file's bytes.</summary>
    public static SavedReport Read(ReadOnlyMemory<byte> saved) => new(MailReportParser.JsonIn(saved));
}
