using MailTumble.Core.Delivery;
using MailTumble.Core.Pacing;
using MailTumble.Testing;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Core.Tests;

/// <summary>The two-step send turn and the release log, on fake time.</summary>
public sealed class SendTurnTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_turn_takes_its_slot_when_it_reaches_the_content_not_when_it_begins()
    {
        var pacer = new SendPacer(new DeliveryOptions { MaxSendRate = 10 }, _time);
        using var slow = pacer.BeginTurn()!;
        using var quick = pacer.BeginTurn()!;

        // The quick one reaches its content first and goes at once; the slow one, arriving 30 ms later, gets the next
        // slot 100 ms after the first instead of going out right behind it.
        await quick.EnterAsync(default);
        _time.Advance(TimeSpan.FromMilliseconds(30));
        var entering = slow.EnterAsync(default).AsTask();
        _time.Advance(TimeSpan.FromMilliseconds(69));
        Assert.False(entering.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await entering;
        Assert.Equal(TimeSpan.FromMilliseconds(70), slow.SlotWait);
        Assert.True(quick.Entered && slow.Entered);
    }

    [Fact]
    public async Task A_turn_approaches_shortly_before_the_slot_it_will_likely_get()
    {
        var pacer = new SendPacer(new DeliveryOptions { MaxSendRate = 2 }, _time);
        await pacer.BeginTurn()!.EnterAsync(default);
        using var next = pacer.BeginTurn()!;

        // Next slot in 500 ms; the approach ends a lead (twice the exchange before the content, plus 20 ms) before it.
        var approaching = next.ApproachAsync(default);
        _time.Advance(TimeSpan.FromMilliseconds(460));
        await Task.Delay(50); // fake-time delays resume on the thread pool: give it the chance to (wrongly) finish
        Assert.False(approaching.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(20));
        await approaching.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.FromMilliseconds(480), next.ApproachWait);
    }

    [Fact]
    public void The_release_log_admits_the_rate_per_second_without_slack_and_says_when_the_next_may_go()
    {
        var pacer = new SendPacer(new DeliveryOptions { MaxSendRate = 4 }, _time);

        // Four sends released as early as the log allows (half a slot apart: sends catching up do not leave back to
        // back) fill the second; a fifth must wait until the first is exactly a second old, even though the bucket
        // would have let it go. (Before, 5 ms of slack per window cost 0.5% of the rate.)
        var first = pacer.Clock.Now;
        Assert.Null(pacer.AdmitOver());
        for (var i = 1; i < 4; i++)
        {
            Assert.Equal(pacer.Clock.Now + TimeSpan.FromMilliseconds(125), pacer.AdmitOver());
            _time.Advance(TimeSpan.FromMilliseconds(125));
            Assert.Null(pacer.AdmitOver());
        }

        Assert.Equal(first + TimeSpan.FromSeconds(1), pacer.AdmitOver());
        _time.Advance(first + TimeSpan.FromMilliseconds(999) - pacer.Clock.Now);
        Assert.NotNull(pacer.AdmitOver());
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(pacer.AdmitOver());
    }

    [Theory]
    [InlineData(14.0 / 3, 5, 1071)]
    [InlineData(0.5, 1, 2000)]
    public void A_fractional_rate_is_not_rounded_down_by_the_release_log(double rate, int perWindow, int windowMs)
    {
        // A node's share of the provider's rate (14/s over three nodes) may be fractional.
        var pacer = new SendPacer(new DeliveryOptions { MaxSendRate = rate }, _time);
        var first = pacer.Clock.Now;
        for (var i = 0; i < perWindow; i++)
        {
            while (pacer.AdmitOver() is { } later)
            {
                _time.Advance(later - pacer.Clock.Now);
            }
        }

        var next = pacer.AdmitOver();
        Assert.NotNull(next);
        Assert.InRange((next.Value - first).TotalMilliseconds, windowMs - 1, windowMs + 1);
    }

    [Fact]
    public async Task A_turn_whose_slot_came_but_whose_second_is_full_waits_for_room()
    {
        var pacer = new SendPacer(new DeliveryOptions { MaxSendRate = 2 }, _time);
        Assert.Null(pacer.AdmitOver()); // two releases from some other path fill the current second
        _time.Advance(TimeSpan.FromMilliseconds(250));
        Assert.Null(pacer.AdmitOver());

        using var turn = pacer.BeginTurn()!;
        var entering = turn.EnterAsync(default).AsTask();
        _time.Advance(TimeSpan.FromMilliseconds(749));
        Parked(pacer, entering);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await entering.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.FromMilliseconds(750), turn.SlotWait);
    }

    [Fact]
    public async Task A_send_that_reaches_its_slot_late_keeps_it_and_the_next_one_keeps_its_own()
    {
        var pacer = new SendPacer(new DeliveryOptions { MaxSendRate = 10 }, _time);
        using var first = pacer.BeginTurn()!;
        using var late = pacer.BeginTurn()!;
        using var next = pacer.BeginTurn()!;
        await first.EnterAsync(default);

        // The second's slot was at 100 ms; it reaches the content at 150 ms and goes at once. The third, at 160 ms,
        // goes at its own slot, 200 ms, not a slot after the late one (which would be 250 ms: a lost slot).
        _time.Advance(TimeSpan.FromMilliseconds(150));
        var lateEntering = late.EnterAsync(default).AsTask();
        Assert.True(lateEntering.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(10));
        var nextEntering = next.EnterAsync(default).AsTask();
        _time.Advance(TimeSpan.FromMilliseconds(39));
        Parked(pacer, nextEntering);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await nextEntering.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.FromMilliseconds(40), next.SlotWait);
    }

    [Fact]
    public async Task A_send_counts_in_the_release_log_until_a_second_after_it_completed_not_after_it_left()
    {
        // 2/s. The first send leaves at 0 and its reply comes at 600 ms; the second leaves at 500 ms, replied at 510 ms.
        // The provider may have counted the first as late as 600 ms, so the third, due at 1000 ms, waits until a second
        // after the second's reply (1510 ms): at 1000 ms the provider's second from 510 ms could see three. (Counted
        // at its release, the first was a second old at 1000 ms and the third went then.)
        var pacer = new SendPacer(new DeliveryOptions { MaxSendRate = 2 }, _time);
        var first = pacer.BeginTurn()!;
        var second = pacer.BeginTurn()!;
        using var third = pacer.BeginTurn()!;
        var start = Release(pacer, first);
        _time.Advance(TimeSpan.FromMilliseconds(500));
        _ = Release(pacer, second);
        _time.Advance(TimeSpan.FromMilliseconds(10));
        second.Completed();
        _time.Advance(TimeSpan.FromMilliseconds(90));
        first.Dispose(); // a send that threw: the turn's disposal completes it
        second.Dispose();

        _time.Advance(start + TimeSpan.FromMilliseconds(1000) - pacer.Clock.Now);
        var entering = third.EnterAsync(default).AsTask();
        Parked(pacer, entering);
        _time.Advance(TimeSpan.FromMilliseconds(509));
        Parked(pacer, entering);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await entering.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.FromMilliseconds(510), third.SlotWait);
    }

    [Fact]
    public async Task A_send_in_flight_holds_the_next_one_until_a_second_after_it_completes()
    {
        // 2/s: two sends leave at 0 and 500 ms and hang (a provider that stalls); the third, due at 1000 ms, waits for
        // them, and goes a second after the first one's reply at 1200 ms.
        var pacer = new SendPacer(new DeliveryOptions { MaxSendRate = 2 }, _time);
        using var first = pacer.BeginTurn()!;
        using var second = pacer.BeginTurn()!;
        using var third = pacer.BeginTurn()!;
        var start = Release(pacer, first);
        _time.Advance(TimeSpan.FromMilliseconds(500));
        _ = Release(pacer, second);

        _time.Advance(TimeSpan.FromMilliseconds(500));
        var entering = third.EnterAsync(default).AsTask();
        AdvanceParked(pacer, entering, start + TimeSpan.FromMilliseconds(1200));
        first.Completed();
        AdvanceParked(pacer, entering, start + TimeSpan.FromMilliseconds(1300));
        second.Completed();
        AdvanceParked(pacer, entering, start + TimeSpan.FromMilliseconds(2199));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await entering.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.FromMilliseconds(1200), third.SlotWait);
    }

    [Fact]
    public void Sends_held_up_by_a_stall_make_up_their_slots_within_the_second_never_more_than_the_rate_in_any_second()
    {
        // 20/s with a backlog: every send is on its way (a turn begun) before its slot. Now and then (one send in 40, i.e.
        // every two seconds or so) one reaches the content late, by up to 180 ms (a process starved of CPU by intake),
        // and holds up the ones behind it. Run for 20 s.
        var pacer = new SendPacer(new DeliveryOptions { MaxSendRate = 20 }, _time);
        var random = new Random(12);
        var releases = new List<TimeSpan>();
        var turns = new Queue<SendTurn>();
        var start = pacer.Clock.Now;
        for (var i = 0; i < 8; i++)
        {
            turns.Enqueue(pacer.BeginTurn()!);
        }

        while (pacer.Clock.Now - start < TimeSpan.FromSeconds(20))
        {
            var turn = turns.Dequeue();
            turns.Enqueue(pacer.BeginTurn()!);
            if (random.Next(40) == 0)
            {
                _time.Advance(TimeSpan.FromMilliseconds(random.Next(20, 180))); // a stall before this one's content
            }

            releases.Add(Release(pacer, turn));
            turn.Dispose();
        }

        var inTwentySeconds = releases.Count(r => r - start < TimeSpan.FromSeconds(20));
        var perSecond = string.Join(" ", releases.GroupBy(r => (int)(r - start).TotalSeconds).Select(g => g.Count()));
        Assert.True(inTwentySeconds is >= 398 and <= 400, $"{inTwentySeconds} in 20 s; per second: {perSecond}"); // at most a couple lost at the very end
        Assert.True(ArrivalPace.Busiest(releases).Count <= 20, $"busiest second {ArrivalPace.Busiest(releases).Count}");
        Assert.All(releases.Zip(releases.Skip(1)), p => Assert.True(p.Second - p.First >= TimeSpan.FromMilliseconds(25), $"{(p.Second - p.First).TotalMilliseconds} ms apart"));
    }

    [Fact]
    public void A_steady_backlog_loses_nothing_to_slack()
    {
        // 20/s on time for 10 s: exactly 200 sends, one every 50 ms (with 5 ms of slack per window it was 199).
        var pacer = new SendPacer(new DeliveryOptions { MaxSendRate = 20 }, _time);
        var start = pacer.Clock.Now;
        var releases = new List<TimeSpan>();
        using var ahead = pacer.BeginTurn()!; // the queue always has one more on its way
        while (pacer.Clock.Now - start < TimeSpan.FromSeconds(10))
        {
            using var turn = pacer.BeginTurn()!;
            releases.Add(Release(pacer, turn));
        }

        Assert.Equal(200, releases.Count(r => r - start < TimeSpan.FromSeconds(10)));
        Assert.All(releases.Zip(releases.Skip(1)), p => Assert.Equal(TimeSpan.FromMilliseconds(50), p.Second - p.First));
    }

    [Fact]
    public void An_idle_spell_banks_no_slots()
    {
        // Nothing to send for 5 s: those slots were not missed, and the next sends are spaced as usual, not a burst.
        var pacer = new SendPacer(new DeliveryOptions { MaxSendRate = 10 }, _time);
        using (var first = pacer.BeginTurn()!)
        {
            _ = Release(pacer, first);
        }

        _time.Advance(TimeSpan.FromSeconds(5));
        var start = pacer.Clock.Now;
        using var a = pacer.BeginTurn()!;
        using var b = pacer.BeginTurn()!;
        using var c = pacer.BeginTurn()!;
        Assert.Equal(
            [start, start + TimeSpan.FromMilliseconds(100), start + TimeSpan.FromMilliseconds(200)],
            new[] { Release(pacer, a), Release(pacer, b), Release(pacer, c) });
    }

    [Fact]
    public void A_step_of_the_wall_clock_neither_stalls_nor_bursts_the_budget()
    {
        var wall = new SteppedWallClock(_time);
        var bucket = new TokenBucket(10, 1, wall);
        Assert.Equal(TimeSpan.Zero, bucket.Reserve());

        wall.Step = TimeSpan.FromHours(-1);
        Assert.Equal(TimeSpan.FromMilliseconds(100), bucket.Reserve());
        wall.Step = TimeSpan.FromHours(1);
        Assert.Equal(TimeSpan.FromMilliseconds(200), bucket.Reserve());
    }

    [Fact]
    public void An_abandoned_turn_no_longer_counts_as_ahead_of_the_next()
    {
        var pacer = new SendPacer(new DeliveryOptions { MaxSendRate = 10 }, _time);
        pacer.BeginTurn()!.Dispose();
        using var next = pacer.BeginTurn()!;
        var approaching = next.ApproachAsync(default);
        Assert.True(approaching.IsCompleted, "nothing ahead: the slot is now");
    }

    [Fact]
    public async Task The_system_clock_never_wakes_a_waiter_early()
    {
        var clock = new SlotClock(TimeProvider.System);
        var targets = Enumerable.Range(1, 20).Select(i => clock.Now + TimeSpan.FromMilliseconds(3 * i)).ToList();
        var woke = await Task.WhenAll(targets.Select(async t =>
        {
            await clock.WaitUntilAsync(t, default);
            return clock.Now;
        }));
        Assert.All(targets.Zip(woke), p => Assert.True(p.Second >= p.First, $"woke {(p.First - p.Second).TotalMilliseconds} ms early"));
    }

    [Fact]
    public async Task A_cancelled_wait_on_the_system_clock_ends_at_once()
    {
        using var cancel = new CancellationTokenSource();
        var clock = new SlotClock(TimeProvider.System);
        var waiting = clock.WaitUntilAsync(clock.Now + TimeSpan.FromHours(1), cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    /// <summary>
    /// Enters <paramref name="turn"/> and moves the fake clock to each instant the pacer waits for, until the turn is
    /// released; returns the release instant. Waits on the fact that the pacer resumed (released, or waiting for a later
    /// instant), not on time.
    /// </summary>
    private TimeSpan Release(SendPacer pacer, SendTurn turn)
    {
        var entering = turn.EnterAsync(default).AsTask();
        var limit = pacer.Clock.Now + TimeSpan.FromSeconds(5);
        while (true)
        {
            Assert.True(SpinWait.SpinUntil(
                () => entering.IsCompleted || pacer.Clock.EarliestReleaseWait > pacer.Clock.Now, TimeSpan.FromSeconds(30)), "the pacer did not resume");
            if (entering.IsCompleted)
            {
                entering.GetAwaiter().GetResult();
                return pacer.Clock.Now;
            }

            Assert.True(pacer.Clock.Now < limit, "not released within 5 s");
            _time.Advance(pacer.Clock.EarliestReleaseWait!.Value - pacer.Clock.Now);
        }
    }

    /// <summary>
    /// Asserts that <paramref name="entering"/> is parked on a release wait for an instant still ahead: waits for that fact
    /// (the turn resumed on the thread pool and either finished or waits again), not for a stretch of time.
    /// </summary>
    private static void Parked(SendPacer pacer, Task entering)
    {
        Assert.True(SpinWait.SpinUntil(
            () => entering.IsCompleted || pacer.Clock.EarliestReleaseWait > pacer.Clock.Now, TimeSpan.FromSeconds(30)), "the pacer did not resume");
        Assert.False(entering.IsCompleted);
    }

    /// <summary>Moves the clock to <paramref name="until"/> through every instant <paramref name="entering"/> waits for, asserting it stays parked.</summary>
    private void AdvanceParked(SendPacer pacer, Task entering, TimeSpan until)
    {
        while (true)
        {
            Parked(pacer, entering);
            var now = pacer.Clock.Now;
            if (now >= until)
            {
                return;
            }

            var next = pacer.Clock.EarliestReleaseWait!.Value;
            _time.Advance((next < until ? next : until) - now);
        }
    }

    /// <summary>A wall clock an operator or NTP can step; the monotonic timestamp runs on undisturbed.</summary>
    private sealed class SteppedWallClock(FakeTimeProvider inner) : TimeProvider
    {
        public TimeSpan Step { get; set; }

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + Step;

        public override long GetTimestamp() => inner.GetTimestamp();
    }
}
