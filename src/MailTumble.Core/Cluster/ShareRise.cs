namespace MailTumble.Core.Cluster;

/// <summary>
/// When a node uses the share its rate budget offers. A lower share applies at once. A node with no share in force
/// (it is joining, or it had no share or no heartbeat, so the others may have taken its part) takes one only once it
/// has held for the delay, by which time every other node has seen it arrive and lowered its own, so the shares never
/// add up to more than the provider's rate. A node that is already sending takes a higher share at once: its share
/// rises because a node left or died (no heartbeat within the budget's live window) or throttling eased, and nobody
/// else has to make room for that.
/// </summary>
internal sealed class ShareRise
{
    private readonly TimeSpan _delay;
    private double _rising;
    private DateTimeOffset _risingSince;

    /// <summary>Creates the rule; <paramref name="delay"/> is how long a share must hold before a node with none uses it.</summary>
    public ShareRise(TimeSpan delay) => _delay = delay;

    /// <summary>The share in force (0: none).</summary>
    public double Applied { get; private set; }

    /// <summary>
    /// The budget offers <paramref name="offered"/> at <paramref name="now"/>: returns the share to use from now on, 0 when
    /// there is none (none offered, or a node without one waits for the offer to hold; the lowest offer made while it
    /// held is the one taken).
    /// </summary>
    public double Offer(double offered, DateTimeOffset now)
    {
        if (offered <= 0)
        {
            Lost();
            return 0;
        }

        if (Applied == 0 && _delay > TimeSpan.Zero)
        {
            if (_rising == 0)
            {
                _risingSince = now;
            }

            _rising = _rising == 0 ? offered : Math.Min(_rising, offered);
            if (now - _risingSince < _delay)
            {
                return 0;
            }

            offered = _rising;
        }

        _rising = 0;
        Applied = offered;
        return offered;
    }

    /// <summary>The share is gone (no heartbeat): the next one is taken as by a joining node.</summary>
    public void Lost()
    {
        Applied = 0;
        _rising = 0;
    }
}
