using Amazon.S3.Model;

namespace MailTumble.Aws.Storage;

/// <summary>
/// The body of one S3 GET, read as it arrives. Seeking forward skips bytes (senders seek past the original
/// header block); the response is disposed with the stream.
/// </summary>
internal sealed class S3ObjectStream : Stream
{
    private readonly GetObjectResponse _response;
    private readonly Stream _body;
    private long _position;

    public S3ObjectStream(GetObjectResponse response)
    {
        _response = response;
        _body = response.ResponseStream;
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _response.ContentLength;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(byte[] buffer, int offset, int count) => Advance(_body.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Advance(_body.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Advance(await _body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Advance(await _body.ReadAsync(buffer.AsMemory(offset, count), cancellationToken).ConfigureAwait(false));

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => Length + offset,
        };
        if (target < _position)
        {
            throw new NotSupportedException("an S3 object stream only seeks forward");
        }

        Span<byte> skip = stackalloc byte[4096];
        while (_position < target)
        {
            if (Read(skip[..(int)Math.Min(skip.Length, target - _position)]) == 0)
            {
                break;
            }
        }

        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _body.Dispose();
            _response.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Advance(int read)
    {
        _position += read;
        return read;
    }
}
