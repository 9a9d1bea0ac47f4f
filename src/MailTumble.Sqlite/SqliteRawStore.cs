using System.Buffers;
using System.Collections.Concurrent;
using MailTumble.Core.Queue;
using MailTumble.Core.Storage;
using Microsoft.Data.Sqlite;

namespace MailTumble.Sqlite;

/// <summary>
/// The embedded family's raw store. A message of up to <see cref="InlineLimit"/> bytes stored whole
/// (<see cref="PutAsync"/>: every message SMTP did not have to stream to disk) is a row of <c>raw_messages</c> in the
/// queue's own database, written through the group-commit writer with synchronous=FULL: concurrent sessions share one
/// fsync for their bytes, as they do for their queue items, where a file per message cost a create, two fsyncs (file and
/// directory) and later an unlink each. Larger messages, and messages written in pieces as they arrive
/// (<see cref="CreateAsync"/>), stay files in <paramref name="files"/>, as do files left by earlier versions: a key
/// without a row is looked up and deleted there, so a queue from before the table is delivered as it was. Accepting a
/// message whose deliveries are all queued writes its row and its queue items in one transaction
/// (<see cref="PutAndEnqueueAsync"/>): one durable commit to wait for, not two in a row.
/// </summary>
/// <remarks>
/// The bytes of a row just committed are also kept in memory, up to <see cref="RecentLimit"/> bytes in all, until the
/// message is deleted: send-out usually reads a message within moments of its acceptance, and reading it back from the
/// database cost a connection, a statement prepared and a read transaction per message. The row stays the truth (it is
/// committed before the bytes are kept, and a restart reads rows); stored bytes never change, so the copy cannot go stale.
/// </remarks>
internal sealed class SqliteRawStore(SqliteDatabase database, SqliteWriter writer, IRawStore files) : IRawStore, IQueueingRawStore
{
    /// <summary>Messages up to this size (put whole) are kept in the database; larger ones go to <c>files</c>.</summary>
    public const int InlineLimit = 1024 * 1024;

    /// <summary>The most bytes of recently stored messages kept in memory for send-out.</summary>
    public const long RecentLimit = 8L * 1024 * 1024;

    private readonly ConcurrentDictionary<string, byte[]> _recent = new(StringComparer.Ordinal);
    private long _recentBytes;

    /// <summary>Bytes of recently stored messages held in memory now (at most <see cref="RecentLimit"/>).</summary>
    internal long RecentBytes => Interlocked.Read(ref _recentBytes);

    public async Task PutAsync(string key, ReadOnlySequence<byte> content, CancellationToken cancellationToken)
    {
        if (content.Length > InlineLimit)
        {
            await files.PutAsync(key, content, cancellationToken).ConfigureAwait(false);
            return;
        }

        var bytes = content.ToArray();
        await writer.WriteAsync(
            context => InsertRow(context, key, bytes),
            cancellationToken,
            durable: true).ConfigureAwait(false);
        Remember(key, bytes);
    }

    public bool CanStoreWith(IOutgoingQueue queue, long length) =>
        length <= InlineLimit && queue is SqliteOutgoingQueue sqlite && sqlite.WritesThrough(writer);

    public async Task PutAndEnqueueAsync(string key, ReadOnlySequence<byte> content, IReadOnlyList<OutgoingItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (content.Length > InlineLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(content), content.Length, $"only messages up to {InlineLimit} bytes are stored with their deliveries");
        }

        if (writer.StorageFull)
        {
            // As for the queue alone: what room is left on a full disk is for send-out, which frees it.
            throw new StorageFullException("the data disk is full");
        }

        var bytes = content.ToArray();
        if (!writer.TryWrite(
                context =>
                {
                    // Checked again in the commit: the write that finds the disk full gives the reserve up and is
                    // retried, and that room is for send-out, not for new mail (which gets its 4xx instead).
                    if (writer.StorageFull)
                    {
                        throw new StorageFullException("the data disk is full");
                    }

                    InsertRow(context, key, bytes);
                    SqliteOutgoingQueue.Insert(context, items);
                    return 0;
                },
                out var completion))
        {
            throw new QueueFullException("too many messages are waiting to be written; try again shortly");
        }

        // The caller may stop waiting, but the write itself is not cancelled once queued.
        await completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        Remember(key, bytes);
    }

    private static int InsertRow(SqliteWriter.Context context, string key, byte[] bytes)
    {
        var command = context.Command("INSERT INTO raw_messages (key, content) VALUES ($key, $content)");
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.Add("$content", SqliteType.Blob).Value = bytes;
        return command.ExecuteNonQuery();
    }

    public Task<IRawWriter> CreateAsync(string key, CancellationToken cancellationToken) => files.CreateAsync(key, cancellationToken);

    public async Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        if (_recent.TryGetValue(key, out var recent))
        {
            return new MemoryStream(recent, writable: false);
        }

        byte[]? content;
        var connection = database.Open();
        await using (connection.ConfigureAwait(false))
        {
            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = "SELECT content FROM raw_messages WHERE key = $key";
                command.Parameters.AddWithValue("$key", key);
                content = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
            }
        }

        return content is not null
            ? new MemoryStream(content, writable: false)
            : await files.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        Forget(key);
        var deleted = await writer.WriteAsync(
            context =>
            {
                var command = context.Command("DELETE FROM raw_messages WHERE key = $key");
                command.Parameters.AddWithValue("$key", key);
                return command.ExecuteNonQuery();
            },
            cancellationToken).ConfigureAwait(false);
        if (deleted == 0)
        {
            await files.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Keeps the committed bytes of <paramref name="key"/> while there is room; over the limit, reads go to the row.</summary>
    private void Remember(string key, byte[] bytes)
    {
        if (Interlocked.Add(ref _recentBytes, bytes.Length) > RecentLimit || !_recent.TryAdd(key, bytes))
        {
            Interlocked.Add(ref _recentBytes, -bytes.Length);
        }
    }

    private void Forget(string key)
    {
        if (_recent.TryRemove(key, out var bytes))
        {
            Interlocked.Add(ref _recentBytes, -bytes.Length);
        }
    }
}
