namespace MailTumble.Aws.Ingress;

/// <summary>What MailTumble needs from one SES <c>Received</c> notification.</summary>
/// <param name="MessageId">SES's message id (<c>mail.messageId</c>); ingestion is idempotent by it.</param>
/// <param name="Source">The envelope sender (<c>mail.source</c>).</param>
/// <param name="Recipients">The envelope recipients this receipt rule matched (<c>receipt.recipients</c>).</param>
/// <param name="BucketName">Where the S3 action stored the message (<c>receipt.action.bucketName</c>).</param>
/// <param name="ObjectKey">Its key (<c>receipt.action.objectKey</c>).</param>
/// <param name="Verdicts">Verdict name (spam, virus, spf, dkim, dmarc) to status (PASS, FAIL, GRAY, PROCESSING_FAILED).</param>
/// <param name="DmarcPolicy">The sender domain's DMARC policy when DMARC failed (<c>receipt.dmarcPolicy</c>), lower case.</param>
public sealed record SesReceipt(
    string MessageId,
    string Source,
    IReadOnlyList<string> Recipients,
    string BucketName,
    string ObjectKey,
    IReadOnlyDictionary<string, string> Verdicts,
    string? DmarcPolicy);
