using System.Collections.Concurrent;

namespace MailTumble.Core.Queue;

/// <summary>
/// Renews the leases this process still works on, so a slow send is not handed to a second worker (which would send
/// it twice), up to a maximum hold after which the worker is presumed hung and the lease is left to run out. A lease
/// is renewed when half of it is left: room for a slow renewal or a late tick on a busy machine. How a lease is
/// renewed (an SQS visibility change, a SQLite update) is the queue's; this decides when. While no lease is held it
/// does not tick: it waits for the next <see cref="Hold"/>.
/// </summary>
public sealed class LeaseRenewer : IAsyncDisposable
{
    private readonly Func<string, TimeSpan, CancellationToken, Task<bool>> _renew;
    private readonly TimeSpan _maxHold;
    private readonly TimeSpan _tick;
    private readonly TimeProvider _time;
    private readonly Action<Exception>? _failed;
    private readonly ConcurrentDictionary<string, Lease> _held = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private TaskCompletionSource? _idle;
    private long _renewals;
    private int _disposed;

    /// <summary>Creates the renewer.</summary>
    /// <param name="renew">Renews one lease for another visibility period; false when nothing is held under it any more.</param>
    /// <param name="maxHold">How long a lease may be kept alive in all.</param>
    /// <param name="tick">How often the held leases are looked at.</param>
    /// <param name="time">The clock.</param>
    /// <param name="failed">Told about a renewal that failed (the next tick tries again).</param>
    public LeaseRenewer(Func<string, TimeSpan, CancellationToken, Task<bool>> renew, TimeSpan maxHold, TimeSpan tick, TimeProvider time, Action<Exception>? failed = null)
    {
        _renew = renew;
        _maxHold = maxHold;
        _tick = tick;
        _time = time;
        _failed = failed;
    }

    /// <summary>Leases kept alive now.</summary>
    public int Held => _held.Count;

    /// <summary>Renewals done so far.</summary>
    public long Renewals => Interlocked.Read(ref _renewals);

    /// <summary>Starts keeping <paramref name="lease"/>, just taken for <paramref name="visibility"/>, alive.</summary>
    public void Hold(string lease, TimeSpan visibility)
    {
        var now = _time.GetUtcNow();
        _held[lease] = new Lease(visibility, now, now + visibility);
        Interlocked.Exchange(ref _idle, null)?.TrySetResult();
        if (_loop is null && Volatile.Read(ref _disposed) == 0)
        {
            // Started on first use: a command that never leases has no background work.
            var loop = new Task<Task>(() => LoopAsync(_stop.Token));
            if (Interlocked.CompareExchange(ref _loop, loop.Unwrap(), null) is null)
            {
                loop.Start(TaskScheduler.Default);
            }
        }
    }

    /// <summary>Stops keeping a lease alive (it was acked, retried or released).</summary>
    public void Forget(string lease) => _held.TryRemove(lease, out _);

    /// <summary>Stops keeping the leases of <paramref name="batch"/> alive (one token per leased batch or lane take).</summary>
    public void Forget(IReadOnlyList<LeasedItem> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var item in batch)
        {
            _held.TryRemove(item.LeaseToken, out _);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // The container may dispose a queue twice (registered as itself and as the port).
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
            await WhileNothingHeldAsync(cancellationToken).ConfigureAwait(false);
            await Task.Delay(_tick, _time, cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            foreach (var (lease, held) in _held)
            {
                if (now - held.Since >= _maxHold)
                {
                    _held.TryRemove(lease, out _);
                    continue;
                }

                if (held.Until - now > held.Visibility / 2)
                {
                    continue;
                }

                try
                {
                    if (await _renew(lease, held.Visibility, cancellationToken).ConfigureAwait(false))
                    {
                        // Only if still held: an ack may have come in meanwhile.
                        _held.TryUpdate(lease, held with { Until = now + held.Visibility }, held);
                        Interlocked.Increment(ref _renewals);
                    }
                    else
                    {
                        _held.TryRemove(lease, out _);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _failed?.Invoke(ex);
                }
            }
        }
    }

    /// <summary>
    /// Returns once a lease is held: at once if one is, else at the next <see cref="Hold"/>. The wait is published before
    /// the second look, and <see cref="Hold"/> adds before it takes the wait, so a lease held meanwhile is never missed.
    /// </summary>
    private async Task WhileNothingHeldAsync(CancellationToken cancellationToken)
    {
        if (!_held.IsEmpty)
        {
            return;
        }

        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _idle, idle);
        if (_held.IsEmpty)
        {
            await idle.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        Interlocked.CompareExchange(ref _idle, null, idle);
    }

    private sealed record Lease(TimeSpan Visibility, DateTimeOffset Since, DateTimeOffset Until);
}
