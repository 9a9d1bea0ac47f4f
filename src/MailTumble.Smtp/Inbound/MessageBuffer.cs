using System.Buffers;

namespace MailTumble.Smtp.Inbound;

/// <summary>
/// The decoded content of one message in pooled chunks: written to as DATA arrives, read as one sequence without a
/// copy. Returned to the pool on <see cref="Reset"/> and <see cref="Dispose"/>.
/// </summary>
internal sealed class MessageBuffer : IBufferWriter<byte>, IDisposable
{
    private const int FirstChunk = 16 * 1024;
    private const int LaterChunk = 128 * 1024;
    private readonly List<byte[]> _chunks = [];
    private readonly List<int> _filled = [];
    private int _used;

    /// <summary>Bytes written.</summary>
    public long Length { get; private set; }

    /// <summary>Everything written, as one sequence over the chunks (valid until the next write or reset).</summary>
    public ReadOnlySequence<byte> Content
    {
        get
        {
            if (_chunks.Count == 0)
            {
                return ReadOnlySequence<byte>.Empty;
            }

            if (_chunks.Count == 1)
            {
                return new ReadOnlySequence<byte>(_chunks[0], 0, _used);
            }

            var first = new BufferSegment(_chunks[0].AsMemory(0, _filled[0]));
            var last = first;
            for (var i = 1; i < _chunks.Count; i++)
            {
                last = last.Append(_chunks[i].AsMemory(0, i == _chunks.Count - 1 ? _used : _filled[i]));
            }

            return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        }
    }

    public void Advance(int count)
    {
        _used += count;
        Length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => Room(sizeHint).AsMemory(_used);

    public Span<byte> GetSpan(int sizeHint = 0) => Room(sizeHint).AsSpan(_used);

    /// <summary>Empties the buffer for the next message, giving the chunks back.</summary>
    public void Reset()
    {
        foreach (var chunk in _chunks)
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        _chunks.Clear();
        _filled.Clear();
        _used = 0;
        Length = 0;
    }

    public void Dispose() => Reset();

    private byte[] Room(int sizeHint)
    {
        var need = Math.Max(sizeHint, 1);
        if (_chunks.Count > 0 && _chunks[^1].Length - _used >= need)
        {
            return _chunks[^1];
        }

        if (_chunks.Count > 0)
        {
            _filled[^1] = _used;
        }

        var chunk = ArrayPool<byte>.Shared.Rent(Math.Max(need, _chunks.Count == 0 ? FirstChunk : LaterChunk));
        _chunks.Add(chunk);
        _filled.Add(0);
        _used = 0;
        return chunk;
    }
}
