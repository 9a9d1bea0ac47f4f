using MailTumble.Core.Pacing;

namespace MailTumble.Core.Tests;

/// <summary>
/// One busy node in a pacing simulation on a fake clock (a send ready for every slot): its next instant, its slot or
/// when its release log lets it go, and the release itself, as <see cref="SendTurn.EnterAsync"/> does it.
/// </summary>
internal sealed class BusyNode(SendPacer pacer)
{
    private TimeSpan? _waitFor;
    private bool _started;

    public SendPacer Pacer => pacer;

    /// <summary>The node's process gets no CPU before this instant (a stall): it reaches its slots late.</summary>
    public DateTimeOffset StalledUntil { get; set; } = DateTimeOffset.MinValue;

    public DateTimeOffset Due(DateTimeOffset now)
    {
        if (!_started)
        {
            // Its first turn finds nobody on the way, as SendPacer.BeginTurn: the slots that passed are not made up.
            pacer.Bucket.Floor();
            _started = true;
        }

        _waitFor ??= pacer.Bucket.ReserveSlot();
        var wait = _waitFor.Value - pacer.Clock.Now;
        var due = wait > TimeSpan.Zero ? now + wait : now;
        return due < StalledUntil ? StalledUntil : due;
    }

    /// <summary>Whether the log lets the send go now (then <see cref="SendPacer.Completed"/> ends it); if not, <see cref="Due"/> says when to try again.</summary>
    public bool TryRelease()
    {
        if (pacer.Admit() is { } later)
        {
            _waitFor = later;
            return false;
        }

        _waitFor = null;
        return true;
    }
}
