using MailTumble.Core.Cluster;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Core.Tests;

/// <summary>
/// When a node uses its rate budget's share (RateBudgetService beats every 500 ms and offers each answer): a joining node
/// waits for its share to hold 1.5 s, a sending node takes a dead node's share at the next beat.
/// </summary>
public sealed class ShareRiseTests
{
    private static readonly TimeSpan Beat = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(1500);

    [Fact]
    public void A_joining_node_sends_only_once_its_share_has_held_and_takes_the_lowest_offered_meanwhile()
    {
        var time = new FakeTimeProvider();
        var rise = new ShareRise(Delay);

        // Beats at 0, 0.5 and 1 s: a third node joins meanwhile (15/s -> 10/s); nothing is used yet.
        Assert.Equal(0, rise.Offer(15, time.GetUtcNow()));
        time.Advance(Beat);
        Assert.Equal(0, rise.Offer(10, time.GetUtcNow()));
        time.Advance(Beat);
        Assert.Equal(0, rise.Offer(10, time.GetUtcNow()));
        time.Advance(Beat);

        // 1.5 s: the lowest share offered while it held.
        Assert.Equal(10, rise.Offer(15, time.GetUtcNow()));
        Assert.Equal(10, rise.Applied);
    }

    [Fact]
    public void A_sending_node_takes_a_dead_node_s_share_at_the_next_beat()
    {
        var time = new FakeTimeProvider();
        var rise = new ShareRise(Delay);
        Joined(rise, time, 10);

        // The budget counts one node fewer (its heartbeat is older than the live window): 10/s -> 15/s at once, not
        // 1.5 s later. Nobody has to lower anything for it.
        time.Advance(Beat);
        Assert.Equal(15, rise.Offer(15, time.GetUtcNow()));

        // A lower share (a node joined) applies at once, too.
        time.Advance(Beat);
        Assert.Equal(10, rise.Offer(10, time.GetUtcNow()));
        Assert.Equal(10, rise.Applied);
    }

    [Fact]
    public void A_node_that_lost_its_heartbeat_waits_again_as_a_joining_one()
    {
        var time = new FakeTimeProvider();
        var rise = new ShareRise(Delay);
        Joined(rise, time, 15);

        // Its beats failed: the others may have taken its share since, so it waits for its offer to hold.
        rise.Lost();
        time.Advance(Beat);
        Assert.Equal(0, rise.Offer(15, time.GetUtcNow()));
        time.Advance(Delay - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, rise.Offer(15, time.GetUtcNow()));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(15, rise.Offer(15, time.GetUtcNow()));

        // No share offered: none in force, and the next one waits again.
        Assert.Equal(0, rise.Offer(0, time.GetUtcNow()));
        Assert.Equal(0, rise.Applied);
        Assert.Equal(0, rise.Offer(30, time.GetUtcNow()));
    }

    [Fact]
    public void A_single_node_uses_its_share_at_once()
    {
        var time = new FakeTimeProvider();
        var rise = new ShareRise(TimeSpan.Zero);
        Assert.Equal(30, rise.Offer(30, time.GetUtcNow()));
    }

    private static void Joined(ShareRise rise, FakeTimeProvider time, double share)
    {
        Assert.Equal(0, rise.Offer(share, time.GetUtcNow()));
        time.Advance(Delay);
        Assert.Equal(share, rise.Offer(share, time.GetUtcNow()));
    }
}
