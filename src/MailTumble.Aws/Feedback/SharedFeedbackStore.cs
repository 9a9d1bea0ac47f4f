using System.Net;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using MailTumble.Core.Feedback;
using Microsoft.Extensions.Options;

namespace MailTumble.Aws.Feedback;

/// <summary>
/// The feedback store in AWS mode, where several processes share the queues: a bounce for mail that process A sent
/// may be taken off the feedback queue by process B. Sent deliveries are therefore also kept in S3
/// (<c>{prefix}sent/{deliveryId}</c>, <c>{prefix}sent-by-provider/{id}/{deliveryId}</c>), and each feedback event is
/// claimed there once with a conditional write (<c>{prefix}feedback/{key}</c>), so a redelivery to another process
/// counts once too. The local store answers first and keeps the per-alias history.
/// </summary>
internal sealed class SharedFeedbackStore : IFeedbackStore
{
    private readonly IFeedbackStore _local;
    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly string _prefix;

    public SharedFeedbackStore(IFeedbackStore local, IAmazonS3 s3, IOptions<AwsOptions> options)
    {
        _local = local;
        _s3 = s3;
        _bucket = options.Value.S3BucketName!;
        _prefix = options.Value.S3KeyPrefix ?? string.Empty;
    }

    public async Task RecordDeliveryAsync(SentDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        await _local.RecordDeliveryAsync(delivery, cancellationToken).ConfigureAwait(false);
        var body = JsonSerializer.Serialize(delivery, FeedbackJsonContext.Default.SentDelivery);
        await PutAsync(SentKey(delivery.DeliveryId), body, cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(delivery.ProviderMessageId))
        {
            await PutAsync(ProviderKey(delivery.ProviderMessageId) + Escape(delivery.DeliveryId), body, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<SentDelivery?> FindDeliveryAsync(string deliveryId, CancellationToken cancellationToken) =>
        await _local.FindDeliveryAsync(deliveryId, cancellationToken).ConfigureAwait(false)
        ?? await GetAsync(SentKey(deliveryId), cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<SentDelivery>> FindByProviderMessageIdAsync(string providerMessageId, CancellationToken cancellationToken)
    {
        var local = await _local.FindByProviderMessageIdAsync(providerMessageId, cancellationToken).ConfigureAwait(false);
        if (local.Count > 0)
        {
            return local;
        }

        var listed = await _s3.ListObjectsV2Async(
            new ListObjectsV2Request { BucketName = _bucket, Prefix = ProviderKey(providerMessageId), MaxKeys = 100 },
            cancellationToken).ConfigureAwait(false);
        var found = new List<SentDelivery>();
        foreach (var item in listed.S3Objects ?? [])
        {
            if (await GetAsync(item.Key, cancellationToken).ConfigureAwait(false) is { } delivery)
            {
                found.Add(delivery);
            }
        }

        return found;
    }

    public async Task<bool> TryAddEventAsync(StoredFeedback feedback, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        if (!await _local.TryAddEventAsync(feedback, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        // S3 conditional writes (If-None-Match) make the claim once across processes. A store that ignores the
        // condition (some emulators) leaves the local answer, once per process.
        try
        {
            await _s3.PutObjectAsync(
                new PutObjectRequest { BucketName = _bucket, Key = EventKey(feedback.Key), ContentBody = feedback.Alias, IfNoneMatch = "*" },
                cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
        {
            // Another process has it: forget the local row, so this process's history does not count it either.
            await _local.RemoveEventAsync(feedback.Key, CancellationToken.None).ConfigureAwait(false);
            return false;
        }

        return true;
    }

    public async Task RemoveEventAsync(string key, CancellationToken cancellationToken)
    {
        await _local.RemoveEventAsync(key, cancellationToken).ConfigureAwait(false);
        await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = EventKey(key) }, cancellationToken).ConfigureAwait(false);
    }

    public Task<FeedbackSummary> GetSummaryAsync(string alias, CancellationToken cancellationToken) => _local.GetSummaryAsync(alias, cancellationToken);

    private static string Escape(string part) => Uri.EscapeDataString(part);

    private string SentKey(string deliveryId) => $"{_prefix}sent/{Escape(deliveryId)}";

    private string ProviderKey(string providerMessageId) => $"{_prefix}sent-by-provider/{Escape(providerMessageId)}/";

    private string EventKey(string key) => $"{_prefix}feedback/{Escape(key)}";

    private Task PutAsync(string key, string body, CancellationToken cancellationToken) =>
        _s3.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = key, ContentBody = body, ContentType = "application/json" }, cancellationToken);

    private async Task<SentDelivery?> GetAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = key }, cancellationToken).ConfigureAwait(false);
            return await JsonSerializer.DeserializeAsync(response.ResponseStream, FeedbackJsonContext.Default.SentDelivery, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
