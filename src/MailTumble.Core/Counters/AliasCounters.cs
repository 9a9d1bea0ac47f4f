using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace MailTumble.Core.Counters;

/// <summary>
/// Per-alias counters: forwarded, replied, blocked. The hot path only adds to an in-memory delta (no write per message);
/// <see cref="AliasCounterFlusher"/> writes the deltas to the <see cref="IAliasCounterStore"/> once a second, in one
/// batch. Reads add what is not written yet. Also counted as metrics (<c>mailtumble.alias.messages</c> by kind, and the
/// busiest aliases of this process labelled by alias).
/// </summary>
public sealed partial class AliasCounters : IDisposable
{
    /// <summary>How many aliases the labelled metric reports (the busiest since start), so the label set stays small.</summary>
    public const int MetricAliases = 20;

    private readonly IAliasCounterStore? _store;
    private readonly ILogger<AliasCounters> _logger;
    private readonly Meter _meter;
    private readonly Counter<long> _messages;
    private readonly ConcurrentDictionary<string, Delta> _since = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private ConcurrentDictionary<string, Delta> _pending = new(StringComparer.Ordinal);
    private TaskCompletionSource? _waiting;

    /// <summary>Creates the counters; without a store they live in this process only.</summary>
    public AliasCounters(ILogger<AliasCounters> logger, IAliasCounterStore? store = null, IMeterFactory? meterFactory = null)
    {
        _store = store;
        _logger = logger;
        _meter = meterFactory?.Create(Diagnostics.MailTumbleMetrics.MeterName) ?? new Meter(Diagnostics.MailTumbleMetrics.MeterName);
        _messages = _meter.CreateCounter<long>("mailtumble.alias.messages", "{message}", "Alias mail by kind: forwarded, replied, blocked.");
        _meter.CreateObservableCounter("mailtumble.alias.top", Top, "{message}", $"Forwarded, replied and blocked of the {MetricAliases} busiest aliases since start, labelled alias and kind.");
    }

    /// <summary>Whether counts are kept durably.</summary>
    public bool Durable => _store is not null;

    /// <summary>A forwarded delivery the provider accepted.</summary>
    public void Forwarded(string alias) => Count(alias, 0);

    /// <summary>A reply delivery the provider accepted.</summary>
    public void Replied(string alias) => Count(alias, 1);

    /// <summary>Mail for the alias refused or dropped by its sender rules.</summary>
    public void Blocked(string alias) => Count(alias, 2);

    /// <summary>The alias's counts: stored plus not yet written.</summary>
    public async Task<AliasCounts> GetAsync(string alias, CancellationToken cancellationToken)
    {
        var key = alias.Trim().ToLowerInvariant();
        var stored = _store is null ? new AliasCounts(key) : await _store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        if (_store is null)
        {
            return _since.TryGetValue(key, out var all) ? all.ToCounts(key) : stored;
        }

        return Volatile.Read(ref _pending).TryGetValue(key, out var delta) ? stored.Add(delta.ToCounts(key)) : stored;
    }

    /// <summary>
    /// Completes once there is something for <see cref="FlushAsync"/> to write: at once if there is, else at the next
    /// count. Without a store, only <paramref name="cancellationToken"/> ends it (nothing is ever written). The wait is
    /// published before the second look, and a count adds before it takes the wait, so a count meanwhile is not missed.
    /// </summary>
    public Task WhenPendingAsync(CancellationToken cancellationToken)
    {
        if (_store is null)
        {
            return Task.Delay(Timeout.Infinite, cancellationToken);
        }

        if (!Volatile.Read(ref _pending).IsEmpty)
        {
            return Task.CompletedTask;
        }

        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _waiting, waiting);
        if (!Volatile.Read(ref _pending).IsEmpty)
        {
            Interlocked.CompareExchange(ref _waiting, null, waiting);
            return Task.CompletedTask;
        }

        return waiting.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Writes what was counted since the last flush in one batch; on failure it is kept for the next one.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_store is null || Volatile.Read(ref _pending).IsEmpty)
        {
            return;
        }

        await _flushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var batch = Interlocked.Exchange(ref _pending, new ConcurrentDictionary<string, Delta>(StringComparer.Ordinal));
            if (batch.IsEmpty)
            {
                return;
            }

            var deltas = batch.Select(p => p.Value.ToCounts(p.Key)).ToList();
            try
            {
                await _store.AddAsync(deltas, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Not lost: merged back into what the next flush writes.
                foreach (var delta in deltas)
                {
                    var target = Volatile.Read(ref _pending).GetOrAdd(delta.Alias, _ => new Delta());
                    target.Add(delta);
                }

                LogFlushFailed(_logger, deltas.Count, ex.Message);
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _meter.Dispose();
        _flushing.Dispose();
    }

    private void Count(string alias, int kind)
    {
        var key = alias.Trim().ToLowerInvariant();
        Volatile.Read(ref _pending).GetOrAdd(key, _ => new Delta()).Increment(kind);
        if (Volatile.Read(ref _waiting) is not null)
        {
            Interlocked.Exchange(ref _waiting, null)?.TrySetResult();
        }

        _since.GetOrAdd(key, _ => new Delta()).Increment(kind);
        _messages.Add(1, new KeyValuePair<string, object?>("kind", Delta.Kinds[kind]));
    }

    private IEnumerable<Measurement<long>> Top()
    {
        foreach (var (alias, delta) in _since.OrderByDescending(p => p.Value.Total).Take(MetricAliases).ToList())
        {
            var counts = delta.ToCounts(alias);
            yield return new Measurement<long>(counts.Forwarded, new("alias", alias), new("kind", "forwarded"));
            yield return new Measurement<long>(counts.Replied, new("alias", alias), new("kind", "replied"));
            yield return new Measurement<long>(counts.Blocked, new("alias", alias), new("kind", "blocked"));
        }
    }

    [LoggerMessage(EventId = 1030, Level = LogLevel.Warning, Message = "Alias counters: writing {Count} alias(es) failed, kept for the next flush: {Reason}")]
    private static partial void LogFlushFailed(ILogger logger, int count, string reason);

    /// <summary>Three counters updated without locks.</summary>
    private sealed class Delta
    {
        public static readonly string[] Kinds = ["forwarded", "replied", "blocked"];
        private long _forwarded;
        private long _replied;
        private long _blocked;

        public long Total => Interlocked.Read(ref _forwarded) + Interlocked.Read(ref _replied) + Interlocked.Read(ref _blocked);

        public void Increment(int kind)
        {
            switch (kind)
            {
                case 0:
                    Interlocked.Increment(ref _forwarded);
                    break;
                case 1:
                    Interlocked.Increment(ref _replied);
                    break;
                default:
                    Interlocked.Increment(ref _blocked);
                    break;
            }
        }

        public void Add(AliasCounts counts)
        {
            Interlocked.Add(ref _forwarded, counts.Forwarded);
            Interlocked.Add(ref _replied, counts.Replied);
            Interlocked.Add(ref _blocked, counts.Blocked);
        }

        public AliasCounts ToCounts(string alias) =>
            new(alias, Interlocked.Read(ref _forwarded), Interlocked.Read(ref _replied), Interlocked.Read(ref _blocked));
    }
}
