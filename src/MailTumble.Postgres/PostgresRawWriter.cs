using MailTumble.Core.Storage;
using Npgsql;

namespace MailTumble.Postgres;

/// <summary>
/// One message written into PostgreSQL as it arrives: bytes gather in one chunk-sized buffer, and each full chunk is
/// written as a row at once. The commit writes the last chunk and marks the message committed in one transaction;
/// disposed uncommitted, the writer removes what it wrote.
/// </summary>
internal sealed class PostgresRawWriter : IRawWriter
{
    private readonly PostgresDatabase _database;
    private readonly byte[] _buffer = new byte[PostgresRawStore.ChunkSize];
    private int _filled;
    private int _chunks;
    private bool _committed;

    public PostgresRawWriter(PostgresDatabase database, string key)
    {
        _database = database;
        Key = key;
    }

    public string Key { get; }

    public long Length { get; private set; }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        while (!data.IsEmpty)
        {
            var take = Math.Min(data.Length, _buffer.Length - _filled);
            data.Span[..take].CopyTo(_buffer.AsSpan(_filled));
            _filled += take;
            Length += take;
            data = data[take..];
            if (_filled == _buffer.Length)
            {
                await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
                await WriteChunkAsync(connection, null, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public Task<Stream> OpenReadAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // The chunks written so far, then a copy of what is still in the buffer.
        return Task.FromResult<Stream>(new PostgresRawStream(_database, Key, Length, PostgresRawStore.ChunkSize, _buffer.AsSpan(0, _filled).ToArray()));
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (_committed)
        {
            throw new InvalidOperationException($"stored message {Key} is already committed");
        }

        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (_filled > 0)
        {
            await WriteChunkAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        }

        await using (var command = new NpgsqlCommand("UPDATE raw_messages SET length = @length, committed = true WHERE key = @key", connection, transaction))
        {
            command.Parameters.AddWithValue("length", Length);
            command.Parameters.AddWithValue("key", Key);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // Durable on return: the commit waits for the WAL flush (synchronous_commit), as the caller answers 250 next.
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        _committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_committed)
        {
            return;
        }

        _committed = true;
        try
        {
            await using var connection = await _database.OpenAsync(CancellationToken.None).ConfigureAwait(false);
            await PostgresRawStore.DeleteAsync(connection, Key, CancellationToken.None).ConfigureAwait(false);
        }
        catch (NpgsqlException)
        {
            // The database is out of reach: the store's sweep removes the unfinished message a day later.
        }
    }

    private async Task WriteChunkAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("INSERT INTO raw_chunks (key, n, data) VALUES (@key, @n, @data)", connection, transaction);
        command.Parameters.AddWithValue("key", Key);
        command.Parameters.AddWithValue("n", _chunks);
        command.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>>("data", _buffer.AsMemory(0, _filled)));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        _chunks++;
        _filled = 0;
    }
}
