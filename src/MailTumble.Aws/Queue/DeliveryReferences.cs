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
    /// <summary>Up to this many messages, <see cref="RemoveManyAsync"/> lists each one's references rather than all.</summary>
    private const int SeparateListsUpTo = 100;

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

    /// <summary>
    /// Forgets many deliveries at once (1,000 a request); returns the messages of which no delivery is left. For a few
    /// messages each one's references are listed; for many, the whole reference prefix is listed once (a page per 1,000
    /// references left in flight), which is cheaper than a list per message.
    /// </summary>
    public async Task<IReadOnlyList<string>> RemoveManyAsync(IReadOnlyCollection<(string MessageKey, string DeliveryId)> references, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(references);
        await Parallel.ForEachAsync(
            references.Chunk(1000),
            new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (chunk, token) => await _s3.DeleteObjectsAsync(
                new DeleteObjectsRequest { BucketName = _bucket, Objects = chunk.Select(r => new KeyVersion { Key = Key(r.MessageKey, r.DeliveryId) }).ToList(), Quiet = true },
                token).ConfigureAwait(false)).ConfigureAwait(false);

        var keys = references.Select(r => r.MessageKey).ToHashSet(StringComparer.Ordinal);
        if (keys.Count <= SeparateListsUpTo)
        {
            var left = new System.Collections.Concurrent.ConcurrentBag<string>();
            await Parallel.ForEachAsync(
                keys,
                new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
                async (key, token) =>
                {
                    var page = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket, Prefix = _prefix + key + "/", MaxKeys = 1 }, token).ConfigureAwait(false);
                    if (page.S3Objects is { Count: > 0 })
                    {
                        left.Add(key);
                    }
                }).ConfigureAwait(false);
            keys.ExceptWith(left);
            return keys.ToList();
        }

        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = _prefix };
        do
        {
            var page = await _s3.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.S3Objects ?? [])
            {
                // Message keys are letters and digits (the raw store's rule), delivery ids may hold anything.
                var slash = item.Key.IndexOf('/', _prefix.Length);
                if (slash > _prefix.Length)
                {
                    keys.Remove(item.Key[_prefix.Length..slash]);
                }
            }

            request.ContinuationToken = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (request.ContinuationToken is not null);
        return keys.ToList();
    }

    private string Key(string messageKey, string deliveryId) => $"{_prefix}{messageKey}/{deliveryId}";
}
