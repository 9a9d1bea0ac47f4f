namespace MailTumble.Core.Queue;

/// <summary>One lane in a <see cref="LaneCensus"/>.</summary>
/// <param name="Lane">The lane key.</param>
/// <param name="Depth">Items queued in the lane: ready, in flight and deferred.</param>
/// <param name="Due">Whether at least one of its items is due now (the lane competes for the rate).</param>
public sealed record LaneDepth(string Lane, long Depth, bool Due);
