namespace MailTumble.Core.Moderation;

/// <summary>
/// The in-memory <see cref="SenderRuleSnapshot"/> every sender rule store keeps: rules and first-contact settings are
/// few and read for every message, so a snapshot is used for <see cref="Lifetime"/> (changes made by another node or
/// process apply within that) and dropped at once by <see cref="Invalidate"/> after a change made through this store.
/// A load that was under way when the store changed is returned to its caller but not kept.
/// </summary>
public sealed class SenderRuleCache
{
    /// <summary>How long a snapshot is used unless the stores say otherwise.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromSeconds(2);

    private readonly TimeProvider _time;
    private readonly Func<CancellationToken, Task<(IReadOnlyList<SenderRule> Rules, IReadOnlyDictionary<string, bool> FirstContact)>> _load;
    private readonly Lock _gate = new();
    private volatile SenderRuleSnapshot? _snapshot;
    private long _generation;

    /// <param name="time">The clock a snapshot's age is measured on.</param>
    /// <param name="load">Reads every rule and every first-contact setting (by alias scope; the empty scope is the global one).</param>
    /// <param name="lifetime">How long a snapshot is used; <see cref="DefaultLifetime"/> when null.</param>
    public SenderRuleCache(
        TimeProvider time,
        Func<CancellationToken, Task<(IReadOnlyList<SenderRule> Rules, IReadOnlyDictionary<string, bool> FirstContact)>> load,
        TimeSpan? lifetime = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(load);
        _time = time;
        _load = load;
        Lifetime = lifetime ?? DefaultLifetime;
    }

    /// <summary>How long a snapshot is used before the next read loads a fresh one.</summary>
    public TimeSpan Lifetime { get; }

    /// <summary>The current snapshot, loaded when there is none or it is <see cref="Lifetime"/> old.</summary>
    public async Task<SenderRuleSnapshot> GetAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_snapshot is { } current && now - current.LoadedAt < Lifetime)
        {
            return current;
        }

        long generation;
        lock (_gate)
        {
            generation = _generation;
        }

        var (rules, firstContact) = await _load(cancellationToken).ConfigureAwait(false);
        var snapshot = new SenderRuleSnapshot(rules, firstContact, now);
        lock (_gate)
        {
            if (_generation == generation)
            {
                _snapshot = snapshot;
            }
        }

        return snapshot;
    }

    /// <summary>Drops the snapshot after a change made through this store, so the next read sees the change.</summary>
    public void Invalidate()
    {
        lock (_gate)
        {
            _generation++;
            _snapshot = null;
        }
    }
}
