using System.Collections.Concurrent;

namespace MailTumble.Sqlite;

/// <summary>
/// Extends the leases this process still works on, so a batch of slow sends is not handed to a second worker
/// (which would send it twice), up to a maximum hold after which the worker is presumed hung and the lease is
/// left to run out. A lease is one token per leased batch; it is dropped once no queue row carries it.
/// </summary>
internal sealed class SqliteLeaseKeeper : IAsyncDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private readonly SqliteWriter _writer;
    private readonly TimeSpan _maxHold;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Lease> _held = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private int _disposed;

    public SqliteLeaseKeeper(SqliteWriter writer, TimeSpan maxHold, TimeProvider time)
    {
        _writer = writer;
        _maxHold = maxHold;
        _time = time;
    }

    /// <summary>Renewals done, for tests and diagnostics.</summary>
    public long Renewals => Interlocked.Read(ref _renewals);

    private long _renewals;

    public void Hold(string token, TimeSpan visibility, DateTimeOffset until)
    {
        _held[token] = new Lease(visibility, _time.GetUtcNow(), until);
        if (_loop is null && Volatile.Read(ref _disposed) == 0)
        {
            // Started on first use: a CLI command that never leases has no background work.
            var loop = new Task<Task>(() => LoopAsync(_stop.Token));
            if (Interlocked.CompareExchange(ref _loop, loop.Unwrap(), null) is null)
            {
                loop.Start(TaskScheduler.Default);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(Tick, _time, cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            foreach (var (token, lease) in _held)
            {
                if (now - lease.Since >= _maxHold)
                {
                    _held.TryRemove(token, out _);
                    continue;
                }

                // Renew when half the lease is left: room for a busy writer or a late tick.
                if (lease.Until - now > lease.Visibility / 2)
                {
                    continue;
                }

                var until = now + lease.Visibility;
                try
                {
                    var rows = await _writer.WriteAsync(
                        context =>
                        {
                            var command = context.Command("UPDATE queue SET due_at = $until WHERE lease_token = $token");
                            command.Parameters.AddWithValue("$until", until.ToUnixTimeMilliseconds());
                            command.Parameters.AddWithValue("$token", token);
                            return command.ExecuteNonQuery();
                        },
                        cancellationToken).ConfigureAwait(false);
                    if (rows == 0)
                    {
                        // Every item of the batch was acked, retried or released.
                        _held.TryRemove(token, out _);
                    }
                    else
                    {
                        _held[token] = lease with { Until = until };
                        Interlocked.Increment(ref _renewals);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The next tick tries again; the lease still has half its time.
                }
            }
        }
    }

    private sealed record Lease(TimeSpan Visibility, DateTimeOffset Since, DateTimeOffset Until);
}
