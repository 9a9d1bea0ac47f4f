namespace MailTumble.Core.Queue;

/// <summary>How a queue takes part in fair scheduling (see <see cref="IOutgoingQueue"/>).</summary>
public enum LaneAccess
{
    /// <summary>
    /// The queue gives indexed access per lane (<see cref="IOutgoingQueue.ListDueLanesAsync"/>,
    /// <see cref="IOutgoingQueue.LeaseLanesAsync"/>, the lane census and stats); Core's scheduler decides which lane goes next.
    /// </summary>
    PerLane,

    /// <summary>
    /// The queue service isolates lanes itself (SQS fair queues, tenant = <c>MessageGroupId</c> = lane key) across every
    /// consumer; Core leases with <see cref="IOutgoingQueue.LeaseAsync"/> and the per-lane members throw <see cref="NotSupportedException"/>.
    /// </summary>
    Native,
}
