using System.Buffers;
using MailTumble.Core.Storage;
using Npgsql;

namespace MailTumble.Postgres;

/// <summary>
/// Original messages in PostgreSQL, readable by every node: a <c>raw_messages</c> row per message and its bytes as
/// <c>raw_chunks</c> rows of <see cref="ChunkSize"/>, written while the message arrives and read back one chunk at a time,
/// so no message is ever held whole in memory. Only a committed message can be read; what an unfinished writer left
/// (a node that died mid-DATA) is removed a day later.
/// </summary>
internal sealed class PostgresRawStore : IRawStore
{
    /// <summary>Bytes per chunk row (every chunk but a message's last is exactly this long).</summary>
    public const int ChunkSize = 256 * 1024;

    private static readonly TimeSpan Unfinished = TimeSpan.FromDays(1);
    private readonly PostgresDatabase _database;
    private readonly TimeProvider _time;
    private long _created;

    public PostgresRawStore(PostgresDatabase database, TimeProvider time)
    {
        _database = database;
        _time = time;
    }

    public async Task PutAsync(string key, ReadOnlySequence<byte> content, CancellationToken cancellationToken)
    {
        await using var writer = await CreateAsync(key, cancellationToken).ConfigureAwait(false);
        foreach (var segment in content)
        {
            await writer.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
        }

        await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IRawWriter> CreateAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var now = _time.GetUtcNow();
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (Interlocked.Increment(ref _created) % 1000 == 1)
        {
            await SweepAsync(connection, now - Unfinished, cancellationToken).ConfigureAwait(false);
        }

        await using var command = new NpgsqlCommand("INSERT INTO raw_messages (key, chunk_size, created_at) VALUES (@key, @chunk, @now)", connection);
        command.Parameters.AddWithValue("key", key);
        command.Parameters.AddWithValue("chunk", ChunkSize);
        command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return new PostgresRawWriter(_database, key);
    }

    public async Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT length, chunk_size FROM raw_messages WHERE key = @key AND committed", connection);
        command.Parameters.AddWithValue("key", key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new FileNotFoundException($"stored message {key} is missing");
        }

        return new PostgresRawStream(_database, key, reader.GetInt64(0), reader.GetInt32(1), tail: default);
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await DeleteAsync(connection, key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes a message row and its chunks, committed or not.</summary>
    internal static async Task DeleteAsync(NpgsqlConnection connection, string key, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("DELETE FROM raw_chunks WHERE key = @key; DELETE FROM raw_messages WHERE key = @key", connection);
        command.Parameters.AddWithValue("key", key);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes what writers that never committed (a node killed mid-message) left behind before <paramref name="before"/>.</summary>
    internal static async Task<int> SweepAsync(NpgsqlConnection connection, DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            WITH gone AS (
                DELETE FROM raw_messages WHERE key IN (SELECT key FROM raw_messages WHERE NOT committed AND created_at < @before LIMIT 1000)
                RETURNING key)
            DELETE FROM raw_chunks WHERE key IN (SELECT key FROM gone)
            """, connection);
        command.Parameters.AddWithValue("before", before.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
