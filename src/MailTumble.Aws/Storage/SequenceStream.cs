using System.Buffers;

namespace MailTumble.Aws.Storage;

/// <summary>A read-only, seekable stream over a byte sequence, so an upload reads the caller's buffers without copying them.</summary>
internal sealed class SequenceStream : Stream
{
    private readonly ReadOnlySequence<byte> _sequence;
    private long _position;

    public SequenceStream(ReadOnlySequence<byte> sequence) => _sequence = sequence;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _sequence.Length;

    public override long Position
    {
        get => _position;
        set => _position = value is >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_position >= _sequence.Length)
        {
            return 0;
        }

        var slice = _sequence.Slice(_position);
        var n = (int)Math.Min(buffer.Length, slice.Length);
        slice.Slice(0, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => _sequence.Length + offset,
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
