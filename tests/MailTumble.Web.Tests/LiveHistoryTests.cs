using MailTumble.Core.Diagnostics;
using MailTumble.Web.Live;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Web.Tests;

public sealed class LiveHistoryTests
{
    [Fact]
    public void The_ring_keeps_the_newest_samples_in_order()
    {
        var ring = new RingBuffer(3);
        Assert.Null(ring.Last);
        for (var t = 1; t <= 5; t++)
        {
            ring.Add(new LiveSample(t, t, 0, 0, 10 - t, 1));
        }

        Assert.Equal([3L, 4, 5], ring.Since(0).Select(s => s.At));
        Assert.Equal([5L], ring.Since(4).Select(s => s.At));
        Assert.Empty(ring.Since(5));
        Assert.Equal(5, ring.Last!.At);
    }

    [Fact]
    public void Send_counters_hear_only_their_own_relays_meter()
    {
        using var one = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var two = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var metricsOne = new MailTumbleMetrics(one.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        using var metricsTwo = new MailTumbleMetrics(two.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        using var counters = new SendCounters(one.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());

        metricsOne.SendAttempt("sent", TimeSpan.FromMilliseconds(5));
        metricsOne.SendAttempt("sent", TimeSpan.FromMilliseconds(5));
        metricsOne.SendAttempt("throttled", TimeSpan.FromMilliseconds(5));
        metricsOne.SendAttempt("transientfailure", TimeSpan.FromMilliseconds(5));
        metricsTwo.SendAttempt("sent", TimeSpan.FromMilliseconds(5));

        Assert.Equal((2L, 1L, 1L), counters.Take());
        Assert.Equal((0L, 0L, 0L), counters.Take());
    }
}
