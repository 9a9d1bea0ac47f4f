using MailTumble.Core.Pacing;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Core.Tests;

public sealed class TokenBucketTests
{
    [Fact]
    public void Takes_are_spaced_one_interval_apart_with_a_burst_of_one()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(14, 1, time);
        var waits = Enumerable.Range(0, 5).Select(_ => bucket.Reserve()).ToList();
        var interval = TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 14);
        Assert.Equal([TimeSpan.Zero, interval, interval * 2, interval * 3, interval * 4], waits);
    }

    [Fact]
    public void Over_one_simulated_second_at_most_rate_plus_one_are_granted()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(50, 1, time);
        var granted = 0;
        var end = time.GetUtcNow() + TimeSpan.FromSeconds(1);
        while (time.GetUtcNow() < end)
        {
            var wait = bucket.Reserve();
            time.Advance(wait);
            if (time.GetUtcNow() < end)
            {
                granted++;
            }
        }

        Assert.InRange(granted, 50, 51);
    }

    [Fact]
    public void An_idle_spell_does_not_bank_more_than_the_burst()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(10, 3, time);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(TimeSpan.Zero, bucket.Reserve());
        Assert.Equal(TimeSpan.Zero, bucket.Reserve());
        Assert.Equal(TimeSpan.Zero, bucket.Reserve());
        Assert.True(bucket.Reserve() > TimeSpan.Zero);
    }

    [Fact]
    public void A_lower_rate_applies_to_the_next_take()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(100, 1, time);
        bucket.Reserve();
        bucket.Rate = 10;
        bucket.Reserve();
        Assert.Equal(TimeSpan.FromMilliseconds(110), bucket.Reserve());
    }

    [Fact]
    public async Task WaitAsync_completes_when_the_fake_clock_reaches_the_slot()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(2, 1, time);
        await bucket.WaitAsync(1, default);
        var second = bucket.WaitAsync(1, default).AsTask();
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(500));
        await second.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
