using MailTumble.Core.Aliases;
using MailTumble.Core.Receiving;

namespace MailTumble.Core.Fairness;

/// <summary>
/// Backpressure per lane: new mail for a lane whose projected drain time is above <c>MaxLaneDrain</c> gets a temporary
/// refusal, so the sending MTA keeps it and tries later, while every other lane still gets <c>250</c>. Nothing already
/// accepted is touched. Answers from the last <see cref="LaneMonitor"/> snapshot (no queue access per recipient);
/// without a monitor (a CLI command) nothing is refused.
/// </summary>
public sealed class LaneGate
{
    private readonly LanePolicy _lanes;
    private LaneSnapshot _snapshot = LaneSnapshot.Empty;
    private long _refusals;

    /// <summary>Creates the gate.</summary>
    public LaneGate(LanePolicy lanes)
    {
        _lanes = lanes;
    }

    /// <summary>The last snapshot published.</summary>
    public LaneSnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>Temporary refusals given so far.</summary>
    public long Refusals => Interlocked.Read(ref _refusals);

    /// <summary>Publishes what the monitor saw.</summary>
    public void Publish(LaneSnapshot snapshot) => Volatile.Write(ref _snapshot, snapshot);

    /// <summary>
    /// At <c>RCPT</c>: <c>452 4.3.1</c> when the lane the mail would join is under backpressure, else null. The reply never
    /// names the lane: with <c>LaneBy=target</c> that would give away where an alias forwards to.
    /// </summary>
    public SmtpReply? AtRecipient(string envelopeFrom, AliasRecord alias)
    {
        ArgumentNullException.ThrowIfNull(alias);
        var refused = Snapshot.Refused;
        if (refused.Count == 0 || _lanes.KeyAtRecipient(envelopeFrom, alias) is not { } lane || !refused.Contains(lane))
        {
            return null;
        }

        Interlocked.Increment(ref _refusals);
        return new SmtpReply(452, $"4.3.1 <{alias.Address}>: Mail from this sender is queued faster than it can be sent; try again later");
    }

    /// <summary>At the end of <c>DATA</c>, for lanes only known from the message (<c>LaneBy=header:…</c>): <c>451 4.7.1</c>, else null.</summary>
    public SmtpReply? AtData(string lane)
    {
        if (!Snapshot.Refused.Contains(lane))
        {
            return null;
        }

        Interlocked.Increment(ref _refusals);
        return new SmtpReply(451, "4.7.1 Mail from this sender is queued faster than it can be sent; try again later");
    }
}
