namespace MailTumble.Core.Cluster;

/// <summary>
/// Port: how much of the provider's rate (<c>MAXIMUM_SEND_RATE</c>) this node may use, and when. Each backend family has
/// one: a single node takes all of it; nodes sharing a backend hold a heartbeat there and split it among the live nodes
/// (<see cref="RateSchedule"/>), so no static split is configured, a joining node starts at an instant every node
/// knows in advance, and a node that dies gives its share back.
/// </summary>
public interface IRateBudget
{
    /// <summary>
    /// Publishes this node's heartbeat (what it reports in <paramref name="beat"/>) and returns the schedule: the
    /// cluster's rate and the live nodes, this one included, each with the instant it is active from (a node's first
    /// beat, and its first after its beats had lapsed past the live window, schedule it <see cref="RateSchedule.JoinDelay"/>
    /// ahead), in an order every node reads alike. Called about twice a second by the send-out stage.
    /// </summary>
    Task<RateSchedule> BeatAsync(NodeBeat beat, CancellationToken cancellationToken);

    /// <summary>This node saw throttling replies since its last report: lower the rate of every node, not just this one.</summary>
    Task ThrottledAsync(string nodeId, CancellationToken cancellationToken);

    /// <summary>This node stops sending (orderly shutdown): its share goes back to the others at once.</summary>
    Task LeaveAsync(string nodeId, CancellationToken cancellationToken);

    /// <summary>The live nodes, with their shares and last heartbeats (<c>mailtumble cluster nodes</c>).</summary>
    Task<IReadOnlyList<ClusterNode>> ListNodesAsync(CancellationToken cancellationToken);
}
