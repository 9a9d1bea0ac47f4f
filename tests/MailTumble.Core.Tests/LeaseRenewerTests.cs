using System.Collections.Concurrent;
using MailTumble.Core.Queue;
using MailTumble.Testing;

namespace MailTumble.Core.Tests;

/// <summary>The lease keeper renews a held lease when half of it is left, and has no timer set while nothing is held.</summary>
public sealed class LeaseRenewerTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task With_nothing_held_it_sets_no_timer_and_a_lease_held_after_a_long_idle_spell_is_renewed_when_due()
    {
        var clock = new TimerCountingClock(DateTimeOffset.Parse("2026-12-03T06:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var renewed = new ConcurrentQueue<string>();
        await using var renewer = new LeaseRenewer(
            (lease, _, _) =>
            {
                renewed.Enqueue(lease);
                return Task.FromResult(true);
            },
            TimeSpan.FromHours(1),
            Tick,
            clock);

        renewer.Hold("first", Visibility);
        await Eventually.TrueAsync(() => clock.Pending == 1, "the keeper waits for its first tick");
        renewer.Forget("first");
        clock.Advance(Tick);

        // The tick finds nothing held: the keeper waits for the next lease without a timer.
        await Eventually.TrueAsync(() => clock.Pending == 0, "an idle keeper has no timer set");
        var created = clock.Created;
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(created, clock.Created);
        Assert.Empty(renewed);

        // Ten minutes later a lease is held again: renewed once half of it is left (5 s), not before.
        renewer.Hold("second", Visibility);
        for (var second = 1; second <= 5; second++)
        {
            await Eventually.TrueAsync(() => clock.Pending == 1, $"the keeper set its tick for second {second}");
            Assert.Empty(renewed);
            var before = clock.Created;
            clock.Advance(Tick);
            await Eventually.TrueAsync(() => clock.Created > before || !renewed.IsEmpty, $"the keeper ticked at second {second}");
        }

        await Eventually.TrueAsync(() => renewed.Contains("second"), "the lease is renewed with half of it left");
        Assert.Equal("second", Assert.Single(renewed));
        Assert.Equal(1, renewer.Renewals);
    }
}
