namespace MailTumble.Core.Pacing;

/// <summary>
/// A node's share of the provider's rate over the last moments and the next ones, as steps in time (instants on the
/// pacer's clock): the slots it owns on the cluster's lattice (<see cref="SlotLattice"/>) from each instant on, or a
/// plain rate for a node with no lattice (a single node; none while it is held before its first slot). The release log
/// lets a node send, in a window that spans a change of the split, as many sends as it owns slots there; the nodes'
/// slots add up to the cluster's in every window, so their windows do too. Not thread-safe: the pacer calls it under
/// its release log's lock.
/// </summary>
internal sealed class ShareHistory
{
    private readonly List<(TimeSpan From, double Share, SlotLattice? Lattice)> _steps;
    private readonly long _epochTicks;

    /// <param name="share">The share from the beginning, with no lattice.</param>
    /// <param name="epoch">The lattice's epoch (<see cref="TokenBucket.LatticeEpoch"/>) as an instant on the pacer's clock.</param>
    public ShareHistory(double share, TimeSpan epoch)
    {
        _steps = [(TimeSpan.MinValue, share, null)];
        _epochTicks = epoch.Ticks;
    }

    /// <summary>The instants at which the share changes, in order.</summary>
    public IEnumerable<TimeSpan> Changes => _steps.Skip(1).Select(step => step.From);

    /// <summary>Sets the share from <paramref name="from"/> on (the lattice's slots, or a plain rate); later steps are dropped.</summary>
    public void Set(TimeSpan from, double share, SlotLattice? lattice)
    {
        while (_steps.Count > 1 && _steps[^1].From >= from)
        {
            _steps.RemoveAt(_steps.Count - 1);
        }

        if (_steps[^1].Share != share || _steps[^1].Lattice != lattice)
        {
            _steps.Add((from, share, lattice));
        }
    }

    /// <summary>No share from <paramref name="from"/> until <paramref name="until"/>, and the one in force before from then on.</summary>
    public void Hold(TimeSpan from, TimeSpan until)
    {
        var resume = _steps[^1];
        Set(from, 0, null);
        Set(until, resume.Share, resume.Lattice);
    }

    /// <summary>Whether the share changes at an instant in (<paramref name="start"/>, <paramref name="end"/>).</summary>
    public bool ChangesWithin(TimeSpan start, TimeSpan end)
    {
        // On every release: a plain loop, no enumerator.
        for (var i = 1; i < _steps.Count; i++)
        {
            if (_steps[i].From > start && _steps[i].From < end)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// How many sends the share allows in (<paramref name="start"/>, <paramref name="end"/>]: the node's slots there
    /// (a slot at a change belongs to the step that begins there), or the plain rate's integral.
    /// </summary>
    public double Allowance(TimeSpan start, TimeSpan end)
    {
        var sum = 0.0;
        for (var i = 0; i < _steps.Count; i++)
        {
            var (low, high) = Overlap(i, start, end);
            if (high > low)
            {
                var (_, share, lattice) = _steps[i];
                sum += lattice is null ? share * (high - low).TotalSeconds : LastSlot(lattice, high) - LastSlot(lattice, low);
            }
        }

        return sum;
    }

    /// <summary>The node's slots on the lattices in force in (<paramref name="start"/>, <paramref name="end"/>], in order.</summary>
    public IEnumerable<TimeSpan> Slots(TimeSpan start, TimeSpan end)
    {
        for (var i = 0; i < _steps.Count; i++)
        {
            var (low, high) = Overlap(i, start, end);
            if (_steps[i].Lattice is not { } lattice || high <= low)
            {
                continue;
            }

            for (var k = LastSlot(lattice, low) + 1; k <= LastSlot(lattice, high); k++)
            {
                yield return Slot(lattice, k);
            }
        }
    }

    /// <summary>Forgets the steps that ended at or before <paramref name="before"/>.</summary>
    public void Forget(TimeSpan before)
    {
        while (_steps.Count > 1 && _steps[1].From <= before)
        {
            _steps.RemoveAt(0);
        }
    }

    // Step i holds the instants in [From, next From), as (From - 1 tick, next From - 1 tick]: its part of (start, end].
    private (TimeSpan Low, TimeSpan High) Overlap(int i, TimeSpan start, TimeSpan end)
    {
        var tick = TimeSpan.FromTicks(1);
        var from = _steps[i].From;
        var low = from == TimeSpan.MinValue || from - tick < start ? start : from - tick;
        var high = i + 1 < _steps.Count && _steps[i + 1].From - tick < end ? _steps[i + 1].From - tick : end;
        return (low, high);
    }

    // The number of the node's last slot at or before `at`, and the instant of its k-th, where TokenBucket puts them.
    private long LastSlot(SlotLattice lattice, TimeSpan at) => lattice.LastAtOrBefore(at.Ticks - _epochTicks);

    private TimeSpan Slot(SlotLattice lattice, long k) => TimeSpan.FromTicks(_epochTicks + lattice.Slot(k));
}
