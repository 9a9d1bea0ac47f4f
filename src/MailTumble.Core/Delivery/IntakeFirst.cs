using System.Diagnostics.Metrics;
using MailTumble.Core.Diagnostics;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Delivery;

/// <summary>
/// Gives a burst of incoming mail the machine before the send-out: while the relay accepts more than
/// <see cref="DeliveryOptions.IntakeFirstAbove"/> messages a second, the send-out sends at most
/// <see cref="DeliveryOptions.SendShareWhileReceiving"/> of that rate (when that is below the rate it may send at),
/// and the rest of the queue goes out at full pace once the burst is over. Every sender's 250 then waits for the
/// durable write alone rather than for CPU the forwarding of earlier messages takes; a provider's rate of tens a second
/// is below the share of such a burst (2% of 1,000 a second and more), so pacing at it is not touched. Thread-safe.
/// </summary>
internal sealed class IntakeFirst
{
    // The intake rate is read over the last half second, so the send-out is back at full pace half a second after a burst.
    private static readonly TimeSpan Bucket = TimeSpan.FromMilliseconds(125);
    private const int Buckets = 4;
    private const double PerSecond = 2;
    private readonly TimeProvider _time;
    private readonly double _above;
    private readonly double _share;
    private readonly long[] _counts = new long[Buckets];
    private readonly long[] _slots = new long[Buckets];
    private readonly Lock _gate = new();
    private readonly Counter<long> _yielded;
    private DateTimeOffset _next = DateTimeOffset.MinValue;

    public IntakeFirst(IOptions<DeliveryOptions> options, TimeProvider time, IMeterFactory? meters = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        var meter = meters?.Create(MailTumbleMetrics.MeterName) ?? new Meter(MailTumbleMetrics.MeterName);
        _yielded = meter.CreateCounter<long>("mailtumble.send.yielded", "{send}", "Sends that waited for their turn because a burst was coming in.");
        _above = options.Value.IntakeFirstAbove;
        _share = options.Value.SendShareWhileReceiving;
    }

    /// <summary>Messages accepted per second, over the last half second.</summary>
    public double IntakeRate
    {
        get
        {
            var slot = Slot(_time.GetUtcNow());
            long total = 0;
            lock (_gate)
            {
                for (var i = 0; i < Buckets; i++)
                {
                    // The current eighth of a second and the three before it.
                    if (slot - _slots[i] < Buckets)
                    {
                        total += _counts[i];
                    }
                }
            }

            return total * PerSecond;
        }
    }

    /// <summary>Counts one accepted message (a 250).</summary>
    public void Accepted()
    {
        var slot = Slot(_time.GetUtcNow());
        var index = (int)(slot % Buckets);
        lock (_gate)
        {
            if (_slots[index] != slot)
            {
                _slots[index] = slot;
                _counts[index] = 0;
            }

            _counts[index]++;
        }
    }

    /// <summary>Counts a send that waited for its turn (<see cref="TakeTurn"/> gave a wait, or no turn yet).</summary>
    public void Yielded() => _yielded.Add(1);

    /// <summary>How long a worker that could not take a turn waits before it asks again.</summary>
    public static readonly TimeSpan LookAgain = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Takes the next send's turn: returns how long to wait for it (zero when no burst is coming in, or the share is
    /// above <paramref name="rate"/> and the pacer's own rate governs), or null when the next free turn is more than
    /// <see cref="LookAgain"/> away: the worker waits that long and asks again, so that no worker sits out a turn
    /// reserved far ahead once the burst is over. The turns of every worker are one share's interval apart.
    /// </summary>
    public TimeSpan? TakeTurn(double rate)
    {
        if (_share >= 1)
        {
            return TimeSpan.Zero;
        }

        var intake = IntakeRate;
        var allowed = intake * _share;
        if (intake <= _above || allowed >= rate)
        {
            return TimeSpan.Zero;
        }

        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var turn = _next > now ? _next : now;
            if (turn - now > LookAgain)
            {
                return null;
            }

            _next = turn + TimeSpan.FromSeconds(1 / allowed);
            return turn - now;
        }
    }

    private static long Slot(DateTimeOffset at) => at.ToUnixTimeMilliseconds() / (long)Bucket.TotalMilliseconds;
}
