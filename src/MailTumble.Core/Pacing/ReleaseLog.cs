namespace MailTumble.Core.Pacing;

/// <summary>
/// The sends a node released that may still arrive at the provider inside a window of <c>N / rate</c> (N = the rate
/// rounded up): those in flight, and those completed less than a window ago (instants on the pacer's clock, in order).
/// A release is let through when, counting it, every window (a, a + W] that could hold it holds no more sends than
/// the node's share allows there (<see cref="SendPacer.Admit"/> says why that bounds the provider's windows). At a
/// steady share that is N; in a window that spans a change of the split (a node joining or leaving) it is the number
/// of the node's slots there (<see cref="ShareHistory"/>), so a node that fell behind its slots at the old share
/// cannot make them up on top of the new split, a node on its slots is never held back, and the nodes' limits add up
/// to the cluster's slots in every window. Not thread-safe: the pacer calls it under its lock.
/// </summary>
internal sealed class ReleaseLog
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);
    private readonly Queue<TimeSpan> _completed = new();
    private readonly ShareHistory _shares;
    private readonly List<TimeSpan> _instants = [];
    private int _inFlight;

    /// <param name="share">The share from the start, with no lattice (a single node's whole rate).</param>
    /// <param name="epoch">The lattice's epoch as an instant on the pacer's clock.</param>
    public ReleaseLog(double share, TimeSpan epoch) => _shares = new ShareHistory(share, epoch);

    /// <summary>The node's share from <paramref name="from"/> on: its slots on <paramref name="lattice"/>, or a plain rate.</summary>
    public void SetShare(TimeSpan from, double share, SlotLattice? lattice) => _shares.Set(from, share, lattice);

    /// <summary>No share from <paramref name="from"/> until <paramref name="until"/> (a node held before its first slot).</summary>
    public void Hold(TimeSpan from, TimeSpan until) => _shares.Hold(from, until);

    /// <summary>A send was released: it counts until a window after it completes.</summary>
    public void Released() => _inFlight++;

    /// <summary>A send released earlier completed at <paramref name="at"/> (its reply read, or it failed).</summary>
    public void Completed(TimeSpan at)
    {
        _inFlight--;
        _completed.Enqueue(at);
    }

    /// <summary>
    /// Null when one more send may be released at <paramref name="now"/>; otherwise when to look again. The shares
    /// are scaled by <paramref name="fraction"/> (a cut throttle discovery made to the share in force).
    /// </summary>
    public TimeSpan? Room(TimeSpan now, double rate, double fraction, TimeSpan shortly)
    {
        var limit = Math.Max(1, (int)Math.Ceiling(rate - 1e-9));
        var window = TimeSpan.FromSeconds(limit / rate);
        while (_completed.Count > 0 && now - _completed.Peek() >= window)
        {
            _completed.Dequeue();
        }

        _shares.Forget(now - window);
        var counted = _inFlight + _completed.Count;
        if (!_shares.ChangesWithin(now - window, now + window))
        {
            if (counted < limit)
            {
                return null;
            }

            // Room comes when enough completed sends are a window old (more than the limit after a rate cut); a send
            // still in flight may arrive any moment, so with too few completed ones, look again shortly.
            var needed = counted - limit + 1;
            return needed <= _completed.Count ? _completed.ElementAt(needed - 1) + window : shortly;
        }

        if (WithinShares(now, window, fraction))
        {
            return null;
        }

        // The count falls when the oldest send is a window old, the allowance as the window moves over the change.
        return _completed.Count > 0 && _completed.Peek() + window < shortly ? _completed.Peek() + window : shortly;
    }

    // Every window (a, a + W] with a from now - W to now holds the sends in flight, those completed after a and this
    // one. The count steps down at each completion, the allowance at each of the node's slots leaving the window and
    // up at each one entering it, and bends at each change of a plain rate: between two of those instants both are
    // constant (the allowance linear at most), so checking each stretch at its two ends covers every window.
    private bool WithinShares(TimeSpan now, TimeSpan window, double fraction)
    {
        var start = now - window;
        _instants.Clear();
        _instants.Add(start);
        _instants.AddRange(_completed);
        _instants.AddRange(_shares.Slots(start, now - Tick));
        foreach (var slot in _shares.Slots(now, now + window - Tick))
        {
            _instants.Add(slot - window);
        }

        foreach (var change in _shares.Changes)
        {
            if (change > start && change < now)
            {
                _instants.Add(change);
            }

            if (change - window > start && change - window < now)
            {
                _instants.Add(change - window);
            }
        }

        _instants.Sort();
        var completedUpTo = 0; // completions at or before the instant (both in order)
        using var completions = _completed.GetEnumerator();
        var more = completions.MoveNext();
        for (var i = 0; i < _instants.Count; i++)
        {
            var a = _instants[i];
            while (more && completions.Current <= a)
            {
                completedUpTo++;
                more = completions.MoveNext();
            }

            var count = _inFlight + (_completed.Count - completedUpTo) + 1;
            var end = (i + 1 < _instants.Count ? _instants[i + 1] : now) - Tick;
            var allowance = Math.Min(_shares.Allowance(a, a + window), end > a ? _shares.Allowance(end, end + window) : double.MaxValue);
            if (count > Math.Floor((fraction * allowance) + 1e-6))
            {
                return false;
            }
        }

        return true;
    }
}
