namespace MailTumble.Core.Rewriting;

/// <summary>The header fields the rewriter treats specially; everything else is <see cref="Other"/> and kept as received.</summary>
internal enum HeaderKind
{
    Other,
    From,
    Sender,
    ReturnPath,
    DkimSignature,
    DeliveredTo,
    XOriginalTo,
    MessageId,
    Subject,
    To,
    ReplyTo,
    Cc,
    InReplyTo,
    References,
    Loop,

    /// <summary>X-MailTumble-Tag: ours only; a sender's is dropped.</summary>
    Tag,
}
