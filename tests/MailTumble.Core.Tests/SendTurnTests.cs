using MailTumble.Core.Delivery;
using MailTumble.Core.Pacing;
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
    public void The_release_log_admits_the_rate_per_second_and_says_when_the_next_may_go()
    {
        var pacer = new SendPacer(new DeliveryOptions { MaxSendRate = 4 }, _time);

        // Four sends released at once (their timers all woke late together) fill the second; a fifth must wait until
        // the first is a second (and 5 ms of slack) old, even though the bucket would have let it go.
        for (var i = 0; i < 4; i++)
        {
            Assert.Null(pacer.Admit());
        }

        Assert.Equal(pacer.Clock.Now + TimeSpan.FromMilliseconds(1005), pacer.Admit());
        _time.Advance(TimeSpan.FromMilliseconds(1004));
        Assert.NotNull(pacer.Admit());
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(pacer.Admit());
    }

    [Theory]
    [InlineData(14.0 / 3, 5, 1076)]
    [InlineData(0.5, 1, 2005)]
    public void A_fractional_rate_is_not_rounded_down_by_the_release_log(double rate, int perWindow, int windowMs)
    {
        // A process's share of the provider's rate (14/s over three processes) may be fractional.
        var pacer = new SendPacer(new DeliveryOptions { MaxSendRate = rate }, _time);
        for (var i = 0; i < perWindow; i++)
        {
            Assert.Null(pacer.Admit());
        }

        var next = pacer.Admit();
        Assert.NotNull(next);
        Assert.InRange((next.Value - pacer.Clock.Now).TotalMilliseconds, windowMs - 1, windowMs + 1);
    }

    [Fact]
    public async Task A_turn_whose_slot_came_but_whose_second_is_full_waits_for_room()
    {
        var pacer = new SendPacer(new DeliveryOptions { MaxSendRate = 2 }, _time);
        for (var i = 0; i < 2; i++)
        {
            Assert.Null(pacer.Admit()); // two releases from some other path fill the current second
        }

        using var turn = pacer.BeginTurn()!;
        var entering = turn.EnterAsync(default).AsTask();
        _time.Advance(TimeSpan.FromMilliseconds(1000));
        await Task.Delay(50);
        Assert.False(entering.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(5));
        await entering.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.FromMilliseconds(1005), turn.SlotWait);
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

    /// <summary>A wall clock an operator or NTP can step; the monotonic timestamp runs on undisturbed.</summary>
    private sealed class SteppedWallClock(FakeTimeProvider inner) : TimeProvider
    {
        public TimeSpan Step { get; set; }

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + Step;

        public override long GetTimestamp() => inner.GetTimestamp();
    }
}
