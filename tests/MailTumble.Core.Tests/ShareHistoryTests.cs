using MailTumble.Core.Pacing;

namespace MailTumble.Core.Tests;

/// <summary>
/// What the release log lets a node send in a window around a change of the split: its slots there. The epoch is the
/// clock's 0, so at 200/s the cluster's instants are every 5 ms from 0 and node i of n owns those with m mod n = i.
/// </summary>
public sealed class ShareHistoryTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private static TimeSpan Ms(double ms) => TimeSpan.FromTicks((long)(ms * TimeSpan.TicksPerMillisecond));

    [Fact]
    public void A_steady_lattice_allows_its_own_slots_in_any_window()
    {
        var history = new ShareHistory(200, TimeSpan.Zero);
        history.Set(TimeSpan.Zero, 100, new SlotLattice(1, 2, 200));

        // Node 1 of 2 owns 5, 15, 25 ms, ...: 100 in any second, whatever its phase.
        Assert.Equal(100, history.Allowance(Ms(1000), Ms(2000)));
        Assert.Equal(100, history.Allowance(Ms(1003), Ms(2003)));
        Assert.Equal(1, history.Allowance(Ms(1000), Ms(1005)));
        Assert.Equal(0, history.Allowance(Ms(1005), Ms(1014)));
        Assert.Equal([Ms(1005), Ms(1015), Ms(1025)], history.Slots(Ms(1000), Ms(1025)));
    }

    [Fact]
    public void Across_a_join_a_window_allows_the_old_slots_before_it_and_the_new_ones_after()
    {
        // Alone at 200/s (every instant), then one of two from 2 s: a second from 1.5 s allows 100 + 50.
        var history = new ShareHistory(200, TimeSpan.Zero);
        history.Set(TimeSpan.Zero, 200, new SlotLattice(0, 1, 200));
        history.Set(Ms(2000), 100, new SlotLattice(0, 2, 200));

        Assert.Equal(150, history.Allowance(Ms(1500), Ms(2500)));
        Assert.Equal(200, history.Allowance(Ms(1000), Ms(2000)));
        Assert.Equal(100, history.Allowance(Ms(2000), Ms(3000)));
        Assert.True(history.ChangesWithin(Ms(1500), Ms(2500)));
        Assert.False(history.ChangesWithin(Ms(2000), Ms(3000)));
    }

    [Fact]
    public void A_node_held_before_its_first_slot_is_allowed_nothing_until_then()
    {
        var history = new ShareHistory(200, TimeSpan.Zero);
        history.Set(Ms(500), 100, new SlotLattice(1, 2, 200));
        history.Hold(Ms(500), Ms(2000));

        Assert.Equal(0, history.Allowance(Ms(500), Ms(2000)));
        Assert.Equal(50, history.Allowance(Ms(1500), Ms(2500)));
        Assert.Equal(Ms(2005), history.Slots(Ms(1000), Ms(3000)).First());

        // Held again at the next beat, for the same instant: the same steps.
        history.Set(Ms(1000), 100, new SlotLattice(1, 2, 200));
        history.Hold(Ms(1000), Ms(2000));
        Assert.Equal(50, history.Allowance(Ms(1500), Ms(2500)));
    }

    [Fact]
    public void Setting_a_share_drops_what_was_scheduled_after_it()
    {
        var history = new ShareHistory(200, TimeSpan.Zero);
        history.Set(TimeSpan.Zero, 200, new SlotLattice(0, 1, 200));
        history.Set(Ms(3000), 100, new SlotLattice(0, 2, 200));

        // The joiner died before its instant: the next beat says the node stays alone.
        history.Set(Ms(2500), 200, new SlotLattice(0, 1, 200));

        Assert.False(history.ChangesWithin(Ms(2000), Ms(4000)));
        Assert.Equal(200, history.Allowance(Ms(2500), Ms(3500)));
    }

    [Fact]
    public void A_plain_rate_allows_its_integral_and_old_steps_are_forgotten()
    {
        var history = new ShareHistory(30, TimeSpan.Zero);
        history.Set(Ms(1000), 10, null);

        Assert.Equal(20, history.Allowance(Ms(500), Ms(1500)), 4);
        history.Forget(Ms(1000));
        Assert.Empty(history.Changes);
        Assert.Equal(10, history.Allowance(Ms(2000), Ms(2000) + Second), 4);
    }
}
