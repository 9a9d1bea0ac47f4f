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
    [InlineData(5, 14, 1)]
    [InlineData(35, 14, 3)]
    [InlineData(35, 100, 4)]
    [InlineData(10_000, 14, 3)]
    [InlineData(10_000, 1000, 16)]
    public void Concurrency_follows_depth_within_the_rate_budget(long depth, double rate, int expected)
    {
        Assert.Equal(expected, ConcurrencyPolicy.Desired(depth, rate, TimeSpan.FromMilliseconds(100), max: 16));
    }

    [Fact]
    public void Throttling_cuts_the_rate_and_quiet_lets_it_grow_back()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(100, 1, time);
        var controller = new RateController(bucket, 100, time, TimeSpan.FromSeconds(5));
        controller.OnThrottled();
        Assert.Equal(70, controller.CurrentRate, 3);
        controller.OnThrottled();
        Assert.Equal(70, controller.CurrentRate, 3);
        time.Advance(TimeSpan.FromSeconds(3));
        controller.OnThrottled();
        Assert.Equal(49, controller.CurrentRate, 3);

        controller.OnSuccess();
        Assert.Equal(49, controller.CurrentRate, 3);
        time.Advance(TimeSpan.FromSeconds(6));
        controller.OnSuccess();
        Assert.Equal(54, controller.CurrentRate, 3);
        for (var i = 0; i < 20; i++)
        {
            time.Advance(TimeSpan.FromSeconds(6));
            controller.OnSuccess();
        }

        Assert.Equal(100, controller.CurrentRate, 3);
    }
}
