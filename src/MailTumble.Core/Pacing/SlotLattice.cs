namespace MailTumble.Core.Pacing;

/// <summary>
/// A node's place on the cluster's slot lattice: the cluster sends at <paramref name="ClusterRate"/> on one grid of
/// instants <c>epoch + m / ClusterRate</c> (m = 0, 1, 2, …, the epoch one fixed wall-clock instant every node shares),
/// and the node at <paramref name="Index"/> of <paramref name="Count"/> active nodes owns the instants with
/// <c>m mod Count = Index</c>. Its share is <see cref="Share"/>, its own period <c>Count / ClusterRate</c>; the nodes'
/// sends interleave instead of bunching on grids of arbitrary phase.
/// </summary>
/// <param name="Index">This node's position among the active nodes (0-based, the same order on every node).</param>
/// <param name="Count">How many nodes are active.</param>
/// <param name="ClusterRate">The cluster's rate, sends per second (<c>MAXIMUM_SEND_RATE × factor</c>).</param>
public sealed record SlotLattice(int Index, int Count, double ClusterRate)
{
    /// <summary>The node's rate: <see cref="ClusterRate"/> / <see cref="Count"/>.</summary>
    public double Share => ClusterRate / Count;

    // One definition of where the node's slots lie, for the bucket that hands them out and the release log that counts
    // them (they must agree to the tick): the node's k-th slot is the cluster's (k * Count + Index)-th instant since the
    // epoch, to the nearest tick, and a slot within rounding of an instant counts as at it.
    private double Interval => TimeSpan.TicksPerSecond / ClusterRate;

    /// <summary>The node's <paramref name="k"/>-th slot, in ticks since the epoch.</summary>
    internal long Slot(long k) => (long)Math.Round(((k * Count) + Index) * Interval);

    /// <summary>The number of the node's first slot at or after <paramref name="ticks"/> since the epoch.</summary>
    internal long FirstAtOrAfter(long ticks) => (long)Math.Ceiling((((ticks / Interval) - Index) / Count) - 1e-6);

    /// <summary>The number of the node's last slot at or before <paramref name="ticks"/> since the epoch.</summary>
    internal long LastAtOrBefore(long ticks) => (long)Math.Floor((((ticks / Interval) - Index) / Count) + 1e-6);
}
