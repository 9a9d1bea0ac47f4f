using Amazon.S3;
using Amazon.S3.Model;
using MailTumble.Core.Storage;

namespace MailTumble.Aws.Storage;

/// <summary>
/// A message on its way to S3: spooled to a local temporary file as it arrives (so memory stays flat in message size),
/// put as one object on commit (an S3 PUT is durable when it returns). The spool is deleted when the writer is disposed.
/// </summary>
internal sealed class S3RawWriter : IRawWriter
{
    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly string _objectKey;
    private readonly string _spoolPath;
    private readonly FileStream _spool;
    private bool _committed;

    public S3RawWriter(IAmazonS3 s3, string bucket, string key, string objectKey)
    {
        _s3 = s3;
        _bucket = bucket;
        _objectKey = objectKey;
        Key = key;
        _spoolPath = Path.Combine(Path.GetTempPath(), "mailtumble-" + key + ".spool");
        _spool = new FileStream(_spoolPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete, 0, FileOptions.Asynchronous | FileOptions.DeleteOnClose);
    }

    public string Key { get; }

    public long Length { get; private set; }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        await _spool.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        Length += data.Length;
    }

    public Task<Stream> OpenReadAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<Stream>(new FileStream(_spoolPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan));
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (_committed)
        {
            throw new InvalidOperationException($"stored message {Key} is already committed");
        }

        await _spool.FlushAsync(cancellationToken).ConfigureAwait(false);
        _spool.Position = 0;
        await _s3.PutObjectAsync(
            new PutObjectRequest
            {
                BucketName = _bucket,
                Key = _objectKey,
                InputStream = _spool,
                AutoCloseStream = false,
                ContentType = "message/rfc822",
            },
            cancellationToken).ConfigureAwait(false);
        _committed = true;
    }

    public ValueTask DisposeAsync() => _spool.DisposeAsync();
}
