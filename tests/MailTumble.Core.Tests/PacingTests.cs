using MailTumble.Core.Pacing;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Core.Tests;

public sealed class PacingTests
{
    [Fact]
    public void Backoff_doubles_from_the_initial_delay_up_to_the_cap_with_jitter()
    {
        var schedule = new RetrySchedule(TimeSpan.FromMinutes(1), TimeSpan.FromHours(1), new Random(1));
        var minutes = Enumerable.Range(1, 10).Select(a => schedule.Delay(a).TotalMinutes).ToList();
        Assert.InRange(minutes[0], 0.8, 1.2);
        Assert.InRange(minutes[1], 1.6, 2.4);
        Assert.InRange(minutes[2], 3.2, 4.8);
        Assert.All(minutes.Skip(6), m => Assert.InRange(m, 48, 60));
    }

    [Theory]
    [InlineData(0, 14, 1)]
    [InlineData(1, 14, 1)]
    [InlineData(3, 14, 3)]
    [InlineData(35, 14, 4)]
    [InlineData(35, 100, 12)]
    [InlineData(10_000, 14, 4)]
    [InlineData(10_000, 1000, 16)]
    public void Concurrency_follows_depth_within_the_rate_budget(long depth, double rate, int expected)
    {
        Assert.Equal(expected, ConcurrencyPolicy.Desired(depth, rate, TimeSpan.FromMilliseconds(100), max: 16));
    }

    [Theory]
    [InlineData(10_000, 12, 200, 10)]
    [InlineData(10_000, 4, 14, 4)]
    [InlineData(100, 12, 200, 3)]
    [InlineData(12, 12, 200, 1)]
    [InlineData(0, 1, 14, 1)]
    public void Batches_shrink_near_the_end_of_the_queue(long depth, int workers, double rate, int expected)
    {
        Assert.Equal(expected, ConcurrencyPolicy.BatchSize(depth, workers, rate));
    }

    [Fact]
    public void Throttling_cuts_to_just_under_what_the_provider_accepted_and_quiet_lets_it_grow_back()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(100, 1, time);
        var controller = new RateController(bucket, 100, time, TimeSpan.FromSeconds(3));
        for (var i = 0; i < 40; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(10));
            controller.OnSuccess();
        }

        controller.OnThrottled();
        Assert.Equal(38, controller.CurrentRate, 3);

        // Sending holds half a second so the provider's window drains.
        Assert.Equal(TimeSpan.FromMilliseconds(500), bucket.Reserve());

        // Replies to sends already under way do not cut again within the second.
        time.Advance(TimeSpan.FromMilliseconds(500));
        controller.OnThrottled();
        Assert.Equal(38, controller.CurrentRate, 3);

        // It stays at 95% of where the provider pushed back...
        time.Advance(TimeSpan.FromSeconds(3));
        controller.OnSuccess();
        Assert.Equal(38, controller.CurrentRate, 3);

        // ...and probes one step higher only after twenty quiet periods.
        time.Advance(TimeSpan.FromSeconds(57));
        controller.OnSuccess();
        Assert.Equal(40, controller.CurrentRate, 3);
        for (var i = 0; i < 100; i++)
        {
            time.Advance(TimeSpan.FromSeconds(60));
            controller.OnSuccess();
        }

        Assert.Equal(100, controller.CurrentRate, 3);

        // Throttled with nothing accepted in the last second: halve.
        time.Advance(TimeSpan.FromSeconds(2));
        controller.OnThrottled();
        Assert.Equal(50, controller.CurrentRate, 3);
    }

    [Fact]
    public void The_daily_quota_rolls_over_24_hours()
    {
        var time = new FakeTimeProvider();
        var quota = new DailyQuota(3, time);
        quota.Seed([time.GetUtcNow() - TimeSpan.FromHours(23)]);
        Assert.True(quota.TryAcquire(out _));
        Assert.True(quota.TryAcquire(out _));
        Assert.False(quota.TryAcquire(out var retryAt));
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromHours(1), retryAt);
        time.Advance(TimeSpan.FromHours(1));
        Assert.True(quota.TryAcquire(out _));
        Assert.Equal(3, quota.Used);
    }

    [Fact]
    public async Task The_pacer_pauses_when_the_quota_is_spent_and_reports_it()
    {
        var time = new FakeTimeProvider();
        var pacer = new SendPacer(new Delivery.DeliveryOptions { MaxSendRate = 1000, DailyQuota = 2 }, time);
        Assert.True(await pacer.WaitTurnAsync(default));
        pacer.Record(Sending.SendOutcome.Sent);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await pacer.WaitTurnAsync(default));
        pacer.Record(Sending.SendOutcome.Throttled);
        Assert.False(await pacer.WaitTurnAsync(default));

        var status = pacer.Snapshot(concurrency: 3);
        Assert.Equal((1L, 1L, 2, 2), (status.SentLastMinute, status.ThrottledLastMinute, status.DailyQuota!.Value, status.DailyUsed));
        Assert.Equal(time.GetUtcNow() - TimeSpan.FromSeconds(1) + TimeSpan.FromDays(1), status.PausedUntil);
        Assert.Contains("daily quota of 2 spent", status.PauseReason, StringComparison.Ordinal);
        Assert.True(pacer.IsPaused(out _));
    }

    [Fact]
    public void A_send_lease_that_runs_out_pauses_sending_until_it_is_renewed()
    {
        var time = new FakeTimeProvider();
        var pacer = new SendPacer(new Delivery.DeliveryOptions { MaxSendRate = 1000 }, time);
        pacer.SendOnlyUntil(time.GetUtcNow() + TimeSpan.FromSeconds(2.5), "no heartbeat");
        time.Advance(TimeSpan.FromSeconds(2.4));
        using (var turn = pacer.BeginTurn())
        {
            Assert.NotNull(turn);
        }

        // Nothing failed, nothing renewed the lease: the node stops before the others would give its share away.
        time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Null(pacer.BeginTurn());
        Assert.True(pacer.IsPaused(out _));
        Assert.Equal("no heartbeat", pacer.Snapshot(concurrency: 1).PauseReason);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(pacer.IsPaused(out _));

        pacer.SendOnlyUntil(time.GetUtcNow() + TimeSpan.FromSeconds(2.5), "no heartbeat");
        pacer.Resume("no heartbeat");
        Assert.False(pacer.IsPaused(out _));
    }

    [Fact]
    public void The_minute_counter_forgets_after_sixty_seconds()
    {
        var time = new FakeTimeProvider();
        var counter = new SlidingCounter(time);
        counter.Increment();
        time.Advance(TimeSpan.FromSeconds(30));
        counter.Increment();
        Assert.Equal(2, counter.LastMinute);
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, counter.LastMinute);
    }

    [Theory]
    [InlineData("7d", 7 * 24 * 60)]
    [InlineData("12h", 12 * 60)]
    [InlineData("30m", 30)]
    [InlineData("1.00:00:00", 24 * 60)]
    public void Durations_parse(string text, int minutes)
    {
        Assert.True(Duration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromMinutes(minutes), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("seven days")]
    [InlineData("-1d")]
    public void Bad_durations_do_not_parse(string text) => Assert.False(Duration.TryParse(text, out _));
}
