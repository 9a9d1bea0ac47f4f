using MailTumble.Core.Queue;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace MailTumble.Sqlite;

/// <summary>
/// The one writer of the embedded database. Writes from every session and worker go through a bounded
/// channel; the writer takes whatever is waiting, runs it in one transaction and commits once
/// (synchronous=FULL), so concurrent sessions share one fsync: group commit. Batches holding only
/// bookkeeping (leases, acks, retries) commit with synchronous=NORMAL: losing one to a power cut
/// only means an item is sent again, which at-least-once delivery allows anyway.
/// </summary>
internal sealed class SqliteWriter : IAsyncDisposable
{
    private const int MaxBatch = 512;
    private const int SqliteFull = 13;
    private readonly SqliteDatabase _database;
    private readonly Channel<WriteOperation> _channel;
    private readonly Task _loop;
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private SqliteConnection? _connection;
    private bool? _synchronousFull;
    private long _commits;

    private readonly DiskReserve? _reserve;

    public SqliteWriter(SqliteDatabase database, int capacity, DiskReserve? reserve = null)
    {
        _database = database;
        _reserve = reserve;
        _channel = Channel.CreateBounded<WriteOperation>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _loop = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Whether a write found the data disk full and there is no room again yet.</summary>
    public bool StorageFull => _reserve?.IsFull == true;

    /// <summary>Transactions committed so far: fewer than the writes when concurrent writers share commits.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Queues a write without waiting for room; false when the channel is full.</summary>
    public bool TryWrite<T>(Func<Context, T> work, out Task<T> completion)
    {
        var operation = new WriteOperation<T>(work, durable: true);
        completion = operation.Completion;
        return _channel.Writer.TryWrite(operation);
    }

    /// <summary>Queues a write, waiting for room, and returns once it is committed.</summary>
    public async Task<T> WriteAsync<T>(Func<Context, T> work, CancellationToken cancellationToken, bool durable = false)
    {
        var operation = new WriteOperation<T>(work, durable);
        await _channel.Writer.WriteAsync(operation, cancellationToken).ConfigureAwait(false);
        return await operation.Completion.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        foreach (var command in _commands.Values)
        {
            await command.DisposeAsync().ConfigureAwait(false);
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task RunAsync()
    {
        var batch = new List<WriteOperation>(MaxBatch);
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && reader.TryRead(out var operation))
            {
                batch.Add(operation);
            }

            if (batch.Count > 0)
            {
                Commit(batch);
            }

            _reserve?.Check();
        }
    }

    private void Commit(List<WriteOperation> batch, bool retried = false)
    {
        try
        {
            var connection = _connection ??= _database.Open(durable: true);
            var full = batch.Exists(o => o.Durable);
            if (_synchronousFull != full)
            {
                SqliteDatabase.Execute(connection, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
                _synchronousFull = full;
            }

            using var transaction = connection.BeginTransaction();
            var context = new Context(this, connection, transaction);
            foreach (var operation in batch)
            {
                operation.Execute(context);
            }

            transaction.Commit();
            Interlocked.Increment(ref _commits);
            foreach (var operation in batch)
            {
                operation.Complete();
            }
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteFull && _reserve is not null)
        {
            // The disk is full: give the reserve up once, so the leases and acks that free the disk can be written.
            ResetConnection();
            if (!retried && _reserve.TryRelease())
            {
                Commit(batch, retried: true);
                return;
            }

            var full = new StorageFullException($"the data disk under {System.IO.Path.GetDirectoryName(_database.Path)} is full", ex);
            foreach (var operation in batch)
            {
                operation.Fail(full);
            }
        }
        catch (Exception) when (batch.Count > 1)
        {
            // One bad write must not fail its neighbours: redo them one by one.
            foreach (var operation in batch)
            {
                Commit([operation], retried);
            }
        }
        catch (Exception ex)
        {
            ResetConnection();
            batch[0].Fail(ex);
        }
    }

    private void ResetConnection()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
        _connection?.Dispose();
        _connection = null;
        _synchronousFull = null;
    }

    /// <summary>What a write operation gets: the connection, the open transaction and cached commands.</summary>
    internal sealed class Context(SqliteWriter writer, SqliteConnection connection, SqliteTransaction transaction)
    {
        public SqliteConnection Connection { get; } = connection;

        /// <summary>A prepared command for <paramref name="sql"/>, reused across batches.</summary>
        public SqliteCommand Command(string sql)
        {
            if (!writer._commands.TryGetValue(sql, out var command))
            {
                command = Connection.CreateCommand();
                command.CommandText = sql;
                writer._commands[sql] = command;
            }

            command.Transaction = transaction;
            command.Parameters.Clear();
            return command;
        }
    }

    private abstract class WriteOperation(bool durable)
    {
        public bool Durable { get; } = durable;

        public abstract void Execute(Context context);

        public abstract void Complete();

        public abstract void Fail(Exception exception);
    }

    private sealed class WriteOperation<T>(Func<Context, T> work, bool durable) : WriteOperation(durable)
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;

        public Task<T> Completion => _completion.Task;

        public override void Execute(Context context) => _result = work(context);

        public override void Complete() => _completion.TrySetResult(_result);

        public override void Fail(Exception exception) => _completion.TrySetException(exception);
    }
}
