namespace MailTumble.Core.Feedback;

/// <summary>One report about one recipient of one delivery, as a parser read it (not yet attributed).</summary>
/// <param name="Key">Identifies the report and recipient, so the same report counts once (SES feedbackId, SNS MessageId, DSN Message-ID).</param>
/// <param name="Type">Bounce, complaint or delivery.</param>
/// <param name="Recipient">The address the report is about (our alias's target), lower case; empty when unknown.</param>
/// <param name="Origin">Where the report came from.</param>
/// <param name="BounceAddresses">Candidate signed bounce addresses found in the report, most authoritative first.</param>
/// <param name="ProviderMessageId">The provider's id for the sent message (SES <c>mail.messageId</c>), if any.</param>
/// <param name="BounceType">For bounces: permanent, transient or undetermined.</param>
/// <param name="SubType">Finer reason kept in the record: MailboxFull, MessageTooLarge, ContentRejected, NoEmail, General, or a complaint's feedback type.</param>
/// <param name="Detail">Status and diagnostic text, for the record and logs.</param>
/// <param name="RecipientMustMatch">True when the report lists several recipients, so each must match the delivery's target.</param>
public sealed record FeedbackEvent(
    string Key,
    FeedbackType Type,
    string Recipient,
    FeedbackOrigin Origin,
    IReadOnlyList<string> BounceAddresses,
    string? ProviderMessageId = null,
    BounceType BounceType = BounceType.None,
    string? SubType = null,
    string? Detail = null,
    bool RecipientMustMatch = true);
