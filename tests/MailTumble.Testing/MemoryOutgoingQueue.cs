using MailTumble.Core.Queue;

namespace MailTumble.Testing;

/// <summary>
/// An <see cref="IOutgoingQueue"/> in memory, on a given clock, for tests of Core's scheduling without I/O. It passes
/// the queue contract suite like every adapter (MemoryOutgoingQueueContractTests), so what Core tests see is what a
/// real queue does. Linear scans: for tests of a few thousand items, not for speed.
/// </summary>
public sealed class MemoryOutgoingQueue(TimeProvider time, LaneAccess laneAccess = LaneAccess.PerLane) : IOutgoingQueue
{
    private readonly Lock _gate = new();
    private readonly List<Entry> _items = [];
    private readonly Dictionary<string, DeadLetter> _dead = new(StringComparer.Ordinal);
    private readonly List<DateTimeOffset> _sent = [];
    private long _seq;

    public LaneAccess LaneAccess { get; } = laneAccess;

    /// <summary>Leases taken so far (each <see cref="LeaseAsync"/> or <see cref="LeaseLanesAsync"/> call that returned items).</summary>
    public int Leases { get; private set; }

    public Task EnqueueAsync(IReadOnlyList<OutgoingItem> items, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            foreach (var item in items.Where(i => !_items.Exists(e => e.Item.Id == i.Id)))
            {
                _items.Add(new Entry(item, ++_seq) { Due = item.Priority > 0 ? DateTimeOffset.UnixEpoch : item.ReceivedAt });
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<LeasedItem>> LeaseAsync(int max, TimeSpan visibility, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            return Task.FromResult(Take(_items.Where(e => e.Due <= now).OrderBy(e => e.Due).ThenBy(e => e.Seq).Take(max).ToList(), visibility));
        }
    }

    public Task<IReadOnlyList<string>> ListDueLanesAsync(string? after, int limit, CancellationToken cancellationToken)
    {
        RequirePerLane();
        lock (_gate)
        {
            var now = time.GetUtcNow();
            IReadOnlyList<string> lanes = _items.Where(e => e.Due <= now).Select(e => e.Item.Lane).Distinct()
                .Where(l => after is null || Compare(l, after) > 0).Order(Comparer<string>.Create(Compare)).Take(limit).ToList();
            return Task.FromResult(lanes);
        }
    }

    public Task<IReadOnlyList<LeasedItem>> LeaseLanesAsync(IReadOnlyList<LaneTake> takes, TimeSpan visibility, CancellationToken cancellationToken)
    {
        RequirePerLane();
        lock (_gate)
        {
            var now = time.GetUtcNow();
            var picked = new List<Entry>();
            foreach (var take in takes)
            {
                picked.AddRange(_items.Where(e => e.Item.Lane == take.Lane && e.Due <= now && !picked.Contains(e))
                    .OrderBy(e => e.Item.Bulk).ThenBy(e => e.Due).ThenBy(e => e.Seq).Take(take.Max));
            }

            return Task.FromResult(Take(picked, visibility));
        }
    }

    public Task<LaneCensus> GetLaneCensusAsync(LaneCensusQuery query, CancellationToken cancellationToken)
    {
        RequirePerLane();
        lock (_gate)
        {
            var now = time.GetUtcNow();
            var lanes = _items.GroupBy(e => e.Item.Lane).Select(g => new LaneDepth(g.Key, g.Count(), g.Any(e => e.Due <= now))).ToList();
            var entries = lanes.Where(l => l.Depth >= Math.Max(1, query.MinDepth))
                .OrderByDescending(l => l.Depth).ThenBy(l => l.Lane, Comparer<string>.Create(Compare)).Take(query.Limit).ToList();
            entries.AddRange(lanes.Where(l => query.Named?.Contains(l.Lane) == true && !entries.Exists(e => e.Lane == l.Lane)).OrderBy(l => l.Lane, Comparer<string>.Create(Compare)));
            return Task.FromResult(new LaneCensus(lanes.Count, lanes.Count(l => l.Due), entries));
        }
    }

    public Task<IReadOnlyList<LaneStats>> GetLaneStatsAsync(IReadOnlyList<string> lanes, CancellationToken cancellationToken)
    {
        RequirePerLane();
        lock (_gate)
        {
            var now = time.GetUtcNow();
            IReadOnlyList<LaneStats> stats = lanes.Select(l => _items.Where(e => e.Item.Lane == l).ToList()).Where(g => g.Count > 0).Select(g => new LaneStats(
                g[0].Item.Lane,
                g.Count(e => e.Due <= now),
                g.Count(e => e.Due > now && e.Token is not null),
                g.Count(e => e.Due > now && e.Token is null),
                g.Count(e => e.Item.Bulk),
                g.Min(e => e.Item.ReceivedAt))).ToList();
            return Task.FromResult(stats);
        }
    }

    public Task<bool> AckAsync(LeasedItem item, string outcome, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_items.RemoveAll(e => e.Item.Id == item.Item.Id && e.Token == item.LeaseToken) > 0 && outcome == "sent")
            {
                _sent.Add(time.GetUtcNow());
            }

            return Task.FromResult(!_items.Exists(e => e.Item.MessageKey == item.Item.MessageKey) && !_dead.Values.Any(d => d.Item.MessageKey == item.Item.MessageKey));
        }
    }

    public Task RetryAsync(LeasedItem item, DateTimeOffset notBefore, string reason, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (Find(item) is { } entry)
            {
                entry.Token = null;
                entry.Due = notBefore;
                entry.Attempts++;
                entry.LastError = reason;
            }
        }

        return Task.CompletedTask;
    }

    public Task DeadLetterAsync(LeasedItem item, string reason, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (Find(item) is { } entry)
            {
                _items.Remove(entry);
                _dead[entry.Item.Id] = new DeadLetter(entry.Item, entry.Attempts + 1, reason, time.GetUtcNow());
            }
        }

        return Task.CompletedTask;
    }

    public Task EnqueueDeadAsync(IReadOnlyList<OutgoingItem> items, string reason, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            foreach (var item in items)
            {
                _dead[item.Id] = new DeadLetter(item, 0, reason, time.GetUtcNow());
            }
        }

        return Task.CompletedTask;
    }

    public Task ReleaseAsync(IReadOnlyList<LeasedItem> items, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            foreach (var entry in items.Select(Find).OfType<Entry>())
            {
                entry.Token = null;
                entry.Due = time.GetUtcNow();
            }
        }

        return Task.CompletedTask;
    }

    public Task<QueueStats> GetStatsAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            _sent.RemoveAll(t => t <= now - TimeSpan.FromMinutes(1));
            return Task.FromResult(new QueueStats(
                _items.Count(e => e.Due <= now), _items.Count(e => e.Due > now && e.Token is not null), _items.Count(e => e.Due > now && e.Token is null), _dead.Count, _sent.Count));
        }
    }

    public Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_items.Count == 0 ? (DateTimeOffset?)null : _items.Min(e => e.Due));
        }
    }

    public Task<IReadOnlyList<DeadLetter>> ListDeadAsync(int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<DeadLetter> list = _dead.Values.OrderByDescending(d => d.DeadAt).Take(limit).ToList();
            return Task.FromResult(list);
        }
    }

    public Task<int> ReplayDeadAsync(IReadOnlyCollection<string>? ids, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var chosen = _dead.Values.Where(d => ids is null || ids.Contains(d.Item.Id)).ToList();
            foreach (var dead in chosen)
            {
                _dead.Remove(dead.Item.Id);
                var expires = dead.Item.ExpiresAt > time.GetUtcNow() + TimeSpan.FromDays(1) ? dead.Item.ExpiresAt : time.GetUtcNow() + TimeSpan.FromDays(1);
                _items.Add(new Entry(dead.Item with { ExpiresAt = expires }, ++_seq) { Due = time.GetUtcNow() });
            }

            return Task.FromResult(chosen.Count);
        }
    }

    // Byte-wise order of the UTF-8 keys, as the port asks (ordinal UTF-16 order differs only past the BMP).
    private static int Compare(string? a, string? b) =>
        System.Text.Encoding.UTF8.GetBytes(a ?? string.Empty).AsSpan().SequenceCompareTo(System.Text.Encoding.UTF8.GetBytes(b ?? string.Empty));

    private void RequirePerLane()
    {
        if (LaneAccess != LaneAccess.PerLane)
        {
            throw new NotSupportedException("this queue isolates lanes itself");
        }
    }

    private IReadOnlyList<LeasedItem> Take(List<Entry> entries, TimeSpan visibility)
    {
        var token = Guid.NewGuid().ToString("N");
        var until = time.GetUtcNow() + visibility;
        var leased = new List<LeasedItem>(entries.Count);
        foreach (var entry in entries)
        {
            entry.Token = token;
            entry.Due = until;
            leased.Add(new LeasedItem(entry.Item, entry.Attempts, token, until, entry.LastError));
        }

        if (leased.Count > 0)
        {
            Leases++;
        }

        return leased;
    }

    private Entry? Find(LeasedItem item) => _items.Find(e => e.Item.Id == item.Item.Id && e.Token == item.LeaseToken);

    private sealed class Entry(OutgoingItem item, long seq)
    {
        public OutgoingItem Item { get; } = item;

        public long Seq { get; } = seq;

        public DateTimeOffset Due { get; set; }

        public string? Token { get; set; }

        public int Attempts { get; set; }

        public string? LastError { get; set; }
    }
}
