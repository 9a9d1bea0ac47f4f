using System.Net;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using MailTumble.Core.Cluster;
using MailTumble.Core.Delivery;
using Microsoft.Extensions.Options;

namespace MailTumble.Aws.Status;

/// <summary>
/// The AWS family's published send-out status and delivery log. Each process writes its status to
/// <c>{prefix}status/{node}.json</c> (at most every few seconds, and at once when a pause starts or ends), and
/// <c>queue stats</c> anywhere shows the most recent one; the quota history comes from the shared <see cref="SentLog"/>.
/// </summary>
internal sealed class S3DeliveryStatusStore : IDeliveryStatusStore
{
    private static readonly TimeSpan WriteEvery = TimeSpan.FromSeconds(5);
    private readonly IAmazonS3 _s3;
    private readonly SentLog _log;
    private readonly TimeProvider _time;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly string _key;
    private DateTimeOffset _lastWrite = DateTimeOffset.MinValue;
    private DateTimeOffset? _lastPause;

    public S3DeliveryStatusStore(IAmazonS3 s3, SentLog log, NodeIdentity node, IOptions<AwsOptions> options, TimeProvider time)
    {
        _s3 = s3;
        _log = log;
        _time = time;
        _bucket = options.Value.S3BucketName!;
        _prefix = (options.Value.S3KeyPrefix ?? string.Empty) + "status/";
        _key = _prefix + node.Id + ".json";
    }

    public async Task SaveAsync(DeliveryStatus status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(status);
        var now = _time.GetUtcNow();
        if (now - _lastWrite < WriteEvery && status.PausedUntil == _lastPause)
        {
            return; // one small write per few seconds per process is plenty for an operator's view
        }

        await _s3.PutObjectAsync(
            new PutObjectRequest { BucketName = _bucket, Key = _key, ContentBody = JsonSerializer.Serialize(status), ContentType = "application/json" },
            cancellationToken).ConfigureAwait(false);
        _lastWrite = now;
        _lastPause = status.PausedUntil;
    }

    public async Task<DeliveryStatus?> LoadAsync(CancellationToken cancellationToken)
    {
        var listed = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket, Prefix = _prefix }, cancellationToken).ConfigureAwait(false);
        var newest = (listed.S3Objects ?? []).OrderByDescending(o => o.LastModified).FirstOrDefault();
        if (newest is null)
        {
            return null;
        }

        try
        {
            using var response = await _s3.GetObjectAsync(_bucket, newest.Key, cancellationToken).ConfigureAwait(false);
            return await JsonSerializer.DeserializeAsync<DeliveryStatus>(response.ResponseStream, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public Task<IReadOnlyList<DateTimeOffset>> SentSinceAsync(DateTimeOffset since, CancellationToken cancellationToken) => _log.SinceAsync(since, cancellationToken);
}
