using MailTumble.Core.Cluster;
using MailTumble.Core.Delivery;
using MailTumble.Core.Pacing;
using MailTumble.Testing;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Core.Tests;

/// <summary>
/// Several nodes' pacers sharing one rate on one fake clock, each as busy as it can be (a send ready for every slot):
/// on the cluster's slot lattice their sends interleave on one grid, and a scheduled join hands the share over at its
/// instant with no slot lost and none doubled. Each pacer is made at another instant, so their own grids' phases differ
/// as on real machines.
/// </summary>
public sealed class ClusterLatticeTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 6, 0, 0, TimeSpan.Zero));

    [Theory]
    [InlineData(200, 2)]
    [InlineData(200, 3)]
    [InlineData(30, 3)]
    [InlineData(14, 3)]
    public void On_the_lattice_the_nodes_sends_interleave_on_one_grid(double rate, int nodes)
    {
        var pacers = Enumerable.Range(0, nodes).Select(i => Pacer(rate, new SlotLattice(i, nodes, rate))).ToList();

        var sends = Run(pacers.Select(p => new BusyNode(p)).ToList(), TimeSpan.FromSeconds(10));

        var slot = TimeSpan.FromSeconds(1 / rate);
        var gaps = Gaps(sends);
        Assert.InRange(gaps.Min(), slot - Tick, slot + Tick);
        Assert.InRange(gaps.Max(), slot - Tick, slot + Tick);
        Assert.True(ArrivalPace.Busiest(sends.Select(s => s.At)) <= Math.Ceiling(rate) + 1, $"busiest second {ArrivalPace.Busiest(sends.Select(s => s.At))}");
        Assert.InRange(sends.Count, (rate * 10) - 2, (rate * 10) + 2);
    }

    [Fact]
    public void Without_the_lattice_the_nodes_grids_bunch()
    {
        // What the lattice is for: three nodes pacing 200/s between them, each on its own grid, send closer together
        // than one cluster slot (5 ms) again and again, which is what lets a second hold more than the rate.
        var pacers = Enumerable.Range(0, 3).Select(_ => Pacer(200, lattice: null)).ToList();
        foreach (var pacer in pacers)
        {
            pacer.SetShare(200.0 / 3);
        }

        var gaps = Gaps(Run(pacers.Select(p => new BusyNode(p)).ToList(), TimeSpan.FromSeconds(10)));
        Assert.True(gaps.Min() < TimeSpan.FromMilliseconds(2.5), $"closest {gaps.Min().TotalMilliseconds} ms");
    }

    [Fact]
    public void A_scheduled_join_hands_the_share_over_at_its_instant_with_no_gap_and_no_double()
    {
        const double rate = 200;
        var slot = TimeSpan.FromSeconds(1 / rate);
        var a = Pacer(rate, lattice: null);
        var b = Pacer(rate, lattice: null); // its process is up; it has not beaten yet
        var ofA = new ScheduledShare(a, "a");
        var ofB = new ScheduledShare(b, "b");
        var senders = new List<BusyNode> { new(a) };

        // A sends alone for two seconds (its release log full of the whole rate).
        var alone = new RateSchedule(rate, [new ScheduledNode("a", DateTimeOffset.MinValue)]);
        Assert.Equal((rate, (DateTimeOffset?)null), ofA.Apply(alone, _time.GetUtcNow()));
        var sends = Run(senders, TimeSpan.FromSeconds(2));

        // Then B beats for the first time: the budget schedules it active 1.5 s later, after A, and both read that at
        // once (A at its next beat).
        var join = _time.GetUtcNow();
        var at = join + RateSchedule.JoinDelay;
        var schedule = new RateSchedule(rate, [new ScheduledNode("a", DateTimeOffset.MinValue), new ScheduledNode("b", at)]);
        Assert.Equal(new SlotLattice(0, 1, rate), schedule.Position("a", join));
        Assert.Null(schedule.Position("b", join));
        Assert.Equal(new SlotLattice(0, 2, rate), schedule.Position("a", at));
        Assert.Equal(new SlotLattice(1, 2, rate), schedule.Position("b", at));
        Assert.Null(schedule.NextChange(at));
        Assert.Equal((rate, (DateTimeOffset?)at), ofA.Apply(schedule, join));
        Assert.Equal((rate / 2, (DateTimeOffset?)at), ofB.Apply(schedule, join));
        senders.Add(new BusyNode(b));

        // A's timer for the switch fires 20 ms late (a busy machine): its slots are on the new split from the instant
        // anyway, and the share it then applies does not stall it on its release log of the old share.
        sends.AddRange(Run(senders, at + TimeSpan.FromMilliseconds(20) - _time.GetUtcNow()));
        Assert.Equal((rate / 2, (DateTimeOffset?)null), ofA.Apply(schedule, _time.GetUtcNow()));
        sends.AddRange(Run(senders, TimeSpan.FromSeconds(3)));

        var fromB = sends.Where(s => s.Node == 1).ToList();
        Assert.InRange(fromB[0].At - at, TimeSpan.Zero, slot);
        var gaps = Gaps(sends);
        Assert.InRange(gaps.Min(), slot - Tick, slot + Tick);
        Assert.InRange(gaps.Max(), slot - Tick, slot + Tick);
        Assert.True(ArrivalPace.Busiest(sends.Select(s => s.At)) <= rate + 1, $"busiest second {ArrivalPace.Busiest(sends.Select(s => s.At))}");
        Assert.InRange(fromB.Count, (rate / 2 * 3) - 2, (rate / 2 * 3) + 3);
    }

    private static readonly TimeSpan Tick = TimeSpan.FromTicks(2);

    private SendPacer Pacer(double rate, SlotLattice? lattice)
    {
        // Made 1.7 ms after the previous one: another origin for its clock, another phase for a grid of its own.
        _time.Advance(TimeSpan.FromTicks(17_000));
        var pacer = new SendPacer(new DeliveryOptions { MaxSendRate = rate }, _time);
        if (lattice is not null)
        {
            pacer.SetShare(lattice);
        }

        return pacer;
    }

    /// <summary>
    /// Lets <paramref name="senders"/> send for <paramref name="span"/>: each reserves its next slot as soon as the
    /// previous send left (a node with more mail than share) and releases it through the pacer's release log, as
    /// <see cref="SendTurn.EnterAsync"/> does, with the clock moved to exactly the instants they wait for.
    /// </summary>
    private List<(int Node, DateTimeOffset At)> Run(List<BusyNode> senders, TimeSpan span)
    {
        var end = _time.GetUtcNow() + span;
        var sends = new List<(int Node, DateTimeOffset At)>();
        while (true)
        {
            var now = _time.GetUtcNow();
            var next = senders.OrderBy(s => s.Due(now)).First();
            var due = next.Due(now);
            if (due >= end)
            {
                _time.Advance(end - now);
                return sends;
            }

            _time.Advance(due - now);
            if (next.TryRelease())
            {
                // Over as it leaves: the provider's arrival and reply are not what these tests look at.
                next.Pacer.Completed();
                sends.Add((senders.IndexOf(next), _time.GetUtcNow()));
            }
        }
    }

    private static List<TimeSpan> Gaps(List<(int Node, DateTimeOffset At)> sends)
    {
        var times = sends.Select(s => s.At).Order().ToList();
        return times.Zip(times.Skip(1), (x, y) => y - x).ToList();
    }
}
