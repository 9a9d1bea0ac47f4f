using MailTumble.Core.Pacing;

namespace MailTumble.Core.Cluster;

/// <summary>
/// Applies a <see cref="RateSchedule"/> to one node's pacer at an instant: the node's place on the cluster's slot
/// lattice now, and the place it takes at the schedule's next change (a node joining), which the pacer's slots switch to
/// exactly at that instant. A node not active yet holds its first slot until its instant, on the split it joins. The
/// caller applies the schedule again at each heartbeat and at the returned switch instant (a timer), which is when the
/// share itself changes.
/// </summary>
internal sealed class ScheduledShare
{
    private readonly SendPacer _pacer;
    private readonly string _nodeId;

    public ScheduledShare(SendPacer pacer, string nodeId)
    {
        _pacer = pacer;
        _nodeId = nodeId;
    }

    /// <summary>
    /// Applies <paramref name="schedule"/> as of <paramref name="now"/>: returns the share in force from now (the one it
    /// will have at its instant, for a node still joining; 0 when the schedule has none for it, and then nothing is
    /// applied) and the instant of the schedule's next change, if any.
    /// </summary>
    public (double Share, DateTimeOffset? SwitchAt) Apply(RateSchedule schedule, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var current = schedule.Position(_nodeId, now);
        var switchAt = schedule.NextChange(now);
        var next = switchAt is { } at ? schedule.Position(_nodeId, at) : null;
        if (current is null && next is null)
        {
            return (0, switchAt);
        }

        if (current is null)
        {
            // Joining: the slots are those of the split it joins, the first one at the instant it starts.
            _pacer.SetShare(next!);
            _pacer.HoldUntil(switchAt!.Value);
            return (next!.Share, switchAt);
        }

        _pacer.SetShare(current, switchAt, next);
        return (current.Share, switchAt);
    }
}
