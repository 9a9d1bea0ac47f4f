using MailTumble.Core.Pacing;

namespace MailTumble.Core.Cluster;

/// <summary>
/// What a heartbeat returns: the cluster's rate and its live nodes, each with the instant it is active from, in one
/// order every node reads alike (by active-from instant, then node id). At any instant the active nodes split
/// <see cref="Rate"/> evenly and each owns every N-th instant of the cluster's slot lattice (<see cref="SlotLattice"/>),
/// by its position in that order. A node that joins is active only from its first beat plus <see cref="JoinDelay"/>:
/// every other node learns that instant at its next beats and switches to the new split exactly then, so the nodes
/// already sending keep their share until the joiner starts and neither a second is lost nor is the rate exceeded.
/// </summary>
/// <param name="Rate">The cluster's rate, sends per second (<c>MAXIMUM_SEND_RATE × factor</c>).</param>
/// <param name="Nodes">The live nodes, this one included, in the cluster's order.</param>
public sealed record RateSchedule(double Rate, IReadOnlyList<ScheduledNode> Nodes)
{
    /// <summary>
    /// How long after its first heartbeat a node starts sending: two heartbeats of every other node and then some, so
    /// each of them knows the instant before it comes.
    /// </summary>
    public static readonly TimeSpan JoinDelay = TimeSpan.FromMilliseconds(1500);

    /// <summary>
    /// How long a node counts as live after its last heartbeat, in every shared budget. A node itself sends only while
    /// its last good heartbeat is younger than this less one beat interval, so a node whose heartbeat hangs stops before
    /// the others take its share.
    /// </summary>
    public static readonly TimeSpan LiveWindow = TimeSpan.FromSeconds(3);

    /// <summary>
    /// <paramref name="nodeId"/>'s place on the lattice at <paramref name="at"/>; null when it is not active then (not
    /// yet, or not live at all).
    /// </summary>
    public SlotLattice? Position(string nodeId, DateTimeOffset at)
    {
        var index = -1;
        var count = 0;
        foreach (var node in Nodes)
        {
            if (node.ActiveFrom > at)
            {
                continue;
            }

            if (node.NodeId == nodeId)
            {
                index = count;
            }

            count++;
        }

        return index < 0 || Rate <= 0 ? null : new SlotLattice(index, count, Rate);
    }

    /// <summary>The next instant after <paramref name="at"/> at which a node becomes active (the split changes); null when none is scheduled.</summary>
    public DateTimeOffset? NextChange(DateTimeOffset at)
    {
        DateTimeOffset? next = null;
        foreach (var node in Nodes)
        {
            if (node.ActiveFrom > at && (next is null || node.ActiveFrom < next))
            {
                next = node.ActiveFrom;
            }
        }

        return next;
    }
}
