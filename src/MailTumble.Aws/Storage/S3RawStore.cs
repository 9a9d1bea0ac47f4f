using System.Buffers;
using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using MailTumble.Core.Storage;
using Microsoft.Extensions.Options;

namespace MailTumble.Aws.Storage;

/// <summary>
/// Original messages as S3 objects under <c>S3_BUCKET_NAME</c>/<c>S3_KEY_PREFIX</c>. Puts stream the caller's buffers
/// (no copy), reads stream the response body; an S3 PUT is durable when it returns, so the caller may answer 250.
/// </summary>
internal sealed class S3RawStore : IRawStore
{
    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly string _prefix;

    public S3RawStore(IAmazonS3 s3, IOptions<AwsOptions> options)
    {
        _s3 = s3;
        _bucket = options.Value.S3BucketName!;
        _prefix = options.Value.S3KeyPrefix ?? string.Empty;
    }

    public async Task PutAsync(string key, ReadOnlySequence<byte> content, CancellationToken cancellationToken)
    {
        var stream = new SequenceStream(content);
        await using (stream.ConfigureAwait(false))
        {
            await _s3.PutObjectAsync(
                new PutObjectRequest
                {
                    BucketName = _bucket,
                    Key = ObjectKey(key),
                    InputStream = stream,
                    AutoCloseStream = false,
                    ContentType = "message/rfc822",
                },
                cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<IRawWriter> CreateAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IRawWriter>(new S3RawWriter(_s3, _bucket, key, ObjectKey(key)));
    }

    public async Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = ObjectKey(key) }, cancellationToken).ConfigureAwait(false);
            return new S3ObjectStream(response);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            throw new FileNotFoundException($"stored message {key} is missing from s3://{_bucket}/{ObjectKey(key)}", ObjectKey(key), ex);
        }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = ObjectKey(key) }, cancellationToken);

    private string ObjectKey(string key)
    {
        // Keys are ours (hex ids); anything else could address objects outside the prefix.
        if (key.Length < 2 || key.Any(c => !char.IsAsciiLetterOrDigit(c)))
        {
            throw new ArgumentException($"invalid message key '{key}'", nameof(key));
        }

        return _prefix + key;
    }
}
