using Amazon.S3;
using Amazon.S3.Model;
using MailTumble.Core.Queue;
using Microsoft.Extensions.Options;

namespace MailTumble.Aws.Queue;

/// <summary>
/// Which deliveries still need a stored message, shared by every process: one empty S3 object per delivery under
/// <c>{prefix}refs/{messageKey}/{deliveryId}</c>. SQS cannot say whether other items of a message are left, and the
/// raw message may only be deleted after the last one. S3 lists are strongly consistent, so of two concurrent last
/// acks at least one sees no references left.
/// </summary>
internal sealed class DeliveryReferences
{
    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly string _prefix;

    public DeliveryReferences(IAmazonS3 s3, IOptions<AwsOptions> options)
    {
        _s3 = s3;
        _bucket = options.Value.S3BucketName!;
        _prefix = (options.Value.S3KeyPrefix ?? string.Empty) + "refs/";
    }

    /// <summary>Records the deliveries; must happen before they are visible in the queue.</summary>
    public Task AddAsync(IReadOnlyList<OutgoingItem> items, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(
            items,
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (item, token) => await _s3.PutObjectAsync(
                new PutObjectRequest { BucketName = _bucket, Key = Key(item.MessageKey, item.Id), ContentBody = string.Empty },
                token).ConfigureAwait(false));

    /// <summary>Forgets one delivery; returns true when no delivery of its message is left.</summary>
    public async Task<bool> RemoveAsync(string messageKey, string deliveryId, CancellationToken cancellationToken)
    {
        await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = Key(messageKey, deliveryId) }, cancellationToken).ConfigureAwait(false);
        var left = await _s3.ListObjectsV2Async(
            new ListObjectsV2Request { BucketName = _bucket, Prefix = _prefix + messageKey + "/", MaxKeys = 1 },
            cancellationToken).ConfigureAwait(false);
        return left.S3Objects is not { Count: > 0 };
    }

    private string Key(string messageKey, string deliveryId) => $"{_prefix}{messageKey}/{deliveryId}";
}
