using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;

namespace MailTumble.Aws.Ingress;

/// <summary>
/// Which SES messages were already taken in, shared by every process: an empty object per SES message id under
/// <c>{prefix}ses-ingested/</c>. Checked before and written after a message is queued; two processes handling
/// the same notification at the same instant can still both queue it (a narrow window, documented).
/// </summary>
internal sealed class IngestLedger
{
    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly string _prefix;

    public IngestLedger(IAmazonS3 s3, IOptions<AwsOptions> options)
    {
        _s3 = s3;
        _bucket = options.Value.S3BucketName!;
        _prefix = (options.Value.S3KeyPrefix ?? string.Empty) + "ses-ingested/";
    }

    public async Task<bool> SeenAsync(string sesMessageId, CancellationToken cancellationToken)
    {
        try
        {
            await _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = Key(sesMessageId) }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public Task MarkAsync(string sesMessageId, string outcome, CancellationToken cancellationToken) =>
        _s3.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = Key(sesMessageId), ContentBody = outcome }, cancellationToken);

    private string Key(string sesMessageId) =>
        _prefix + Uri.EscapeDataString(sesMessageId);
}
