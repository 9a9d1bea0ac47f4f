using Npgsql;

namespace MailTumble.Postgres;

/// <summary>
/// Reads a stored message chunk by chunk (one row per fetch, one chunk in memory at a time); seekable, since send-out
/// starts at the body's offset. An unfinished writer's view ends with the bytes still in its buffer (<c>tail</c>).
/// </summary>
internal sealed class PostgresRawStream : Stream
{
    private readonly PostgresDatabase _database;
    private readonly string _key;
    private readonly long _length;
    private readonly int _chunkSize;
    private readonly ReadOnlyMemory<byte> _tail;
    private readonly long _tailStart;
    private byte[]? _chunk;
    private int _chunkIndex = -1;
    private long _position;

    public PostgresRawStream(PostgresDatabase database, string key, long length, int chunkSize, ReadOnlyMemory<byte> tail)
    {
        _database = database;
        _key = key;
        _length = length;
        _chunkSize = chunkSize;
        _tail = tail;
        _tailStart = length - tail.Length;
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => _length + offset,
    };

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= _length || buffer.IsEmpty)
        {
            return 0;
        }

        ReadOnlyMemory<byte> source;
        if (_position >= _tailStart)
        {
            source = _tail[(int)(_position - _tailStart)..];
        }
        else
        {
            var index = (int)(_position / _chunkSize);
            if (index != _chunkIndex)
            {
                _chunk = await FetchAsync(index, cancellationToken).ConfigureAwait(false);
                _chunkIndex = index;
            }

            source = _chunk.AsMemory((int)(_position - ((long)index * _chunkSize)));
        }

        var count = (int)Math.Min(Math.Min(buffer.Length, source.Length), _length - _position);
        source[..count].CopyTo(buffer);
        _position += count;
        return count;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private async Task<byte[]> FetchAsync(int index, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT data FROM raw_chunks WHERE key = @key AND n = @n", connection);
        command.Parameters.AddWithValue("key", _key);
        command.Parameters.AddWithValue("n", index);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[]
            ?? throw new FileNotFoundException($"stored message {_key} is missing (chunk {index})");
    }
}
