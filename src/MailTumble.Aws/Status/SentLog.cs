using System.Globalization;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;

namespace MailTumble.Aws.Status;

/// <summary>
/// The delivery log of the AWS family: one empty S3 object per sent delivery, keyed by the time it was sent
/// (<c>{prefix}sent-log/{unix ms, 13 digits}-{deliveryId}</c>), so the daily quota's history after a restart is one
/// ordered listing from a point in time, whichever process sent. Expire <c>sent-log/</c> after two days with a
/// lifecycle rule.
/// </summary>
internal sealed class SentLog
{
    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly string _prefix;

    public SentLog(IAmazonS3 s3, IOptions<AwsOptions> options)
    {
        _s3 = s3;
        _bucket = options.Value.S3BucketName!;
        _prefix = (options.Value.S3KeyPrefix ?? string.Empty) + "sent-log/";
    }

    /// <summary>Records one sent delivery.</summary>
    public Task RecordAsync(string deliveryId, DateTimeOffset at, CancellationToken cancellationToken) =>
        _s3.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = _prefix + Stamp(at) + "-" + deliveryId, ContentBody = string.Empty }, cancellationToken);

    /// <summary>When deliveries were sent since <paramref name="since"/>, oldest first.</summary>
    public async Task<IReadOnlyList<DateTimeOffset>> SinceAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        var found = new List<DateTimeOffset>();
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = _prefix, StartAfter = _prefix + Stamp(since - TimeSpan.FromMilliseconds(1)) };
        while (true)
        {
            var page = await _s3.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.S3Objects ?? [])
            {
                var stamp = item.Key.AsSpan(_prefix.Length, 13);
                if (long.TryParse(stamp, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms >= since.ToUnixTimeMilliseconds())
                {
                    found.Add(DateTimeOffset.FromUnixTimeMilliseconds(ms));
                }
            }

            if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken))
            {
                return found;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    private static string Stamp(DateTimeOffset at) => Math.Max(0, at.ToUnixTimeMilliseconds()).ToString("D13", CultureInfo.InvariantCulture);
}
