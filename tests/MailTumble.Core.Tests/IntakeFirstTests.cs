using MailTumble.Core.Delivery;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Core.Tests;

/// <summary>A burst coming in has the machine first: the send-out keeps to a share of it, and only while it lasts.</summary>
public sealed class IntakeFirstTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public void During_a_burst_sends_are_spaced_at_a_tenth_of_the_intake_rate()
    {
        var intake = Intake();
        Accept(intake, perSecond: 3000, seconds: 1);

        // 3000 accepted in the last second: 300 sends a second, 3.33 ms apart, shared by every worker.
        var turns = Enumerable.Range(0, 4).Select(_ => intake.TakeTurn(rate: 100_000)!.Value).ToList();
        Assert.Equal(TimeSpan.Zero, turns[0]);
        Assert.InRange(turns[1].TotalMilliseconds, 3.3, 3.4);
        Assert.InRange(turns[3].TotalMilliseconds, 9.9, 10.1);
    }

    [Fact]
    public void A_provider_rate_below_the_share_is_not_touched()
    {
        var intake = Intake();
        Accept(intake, perSecond: 3000, seconds: 1);

        // 14/s (or 200/s) is below 300/s: the pacer's own slots govern, nothing waits here.
        Assert.All(Enumerable.Range(0, 50).Select(_ => intake.TakeTurn(rate: 200)), t => Assert.Equal(TimeSpan.Zero, t));
    }

    [Fact]
    public void Mail_coming_in_at_a_normal_pace_does_not_slow_the_send_out()
    {
        var intake = Intake();
        Accept(intake, perSecond: 400, seconds: 3);

        Assert.All(Enumerable.Range(0, 50).Select(_ => intake.TakeTurn(rate: 100_000)), t => Assert.Equal(TimeSpan.Zero, t));
    }

    [Fact]
    public void Once_the_burst_is_over_the_send_out_goes_at_full_pace_within_half_a_second()
    {
        var intake = Intake();
        Accept(intake, perSecond: 3000, seconds: 2);
        Assert.Equal(TimeSpan.Zero, intake.TakeTurn(100_000));
        Assert.True(intake.TakeTurn(100_000) > TimeSpan.Zero);

        _time.Advance(TimeSpan.FromMilliseconds(500));

        Assert.Equal(0, intake.IntakeRate);
        Assert.All(Enumerable.Range(0, 50).Select(_ => intake.TakeTurn(rate: 100_000)), t => Assert.Equal(TimeSpan.Zero, t));
    }

    [Fact]
    public void No_turn_is_reserved_far_ahead_so_waiting_workers_go_as_soon_as_the_burst_is_over()
    {
        // 600 a second at a hundredth: one send a second. The first takes its turn; 16 more workers find the next one
        // a second away and are told to look again (100 ms), not handed turns up to 16 s ahead.
        var intake = Intake(share: 0.01);
        Accept(intake, perSecond: 600, seconds: 1);
        Assert.Equal(TimeSpan.Zero, intake.TakeTurn(100_000));
        Assert.All(Enumerable.Range(0, 16).Select(_ => intake.TakeTurn(100_000)), t => Assert.Null(t));

        _time.Advance(TimeSpan.FromMilliseconds(500));

        Assert.All(Enumerable.Range(0, 16).Select(_ => intake.TakeTurn(100_000)), t => Assert.Equal(TimeSpan.Zero, t));
    }

    [Fact]
    public void A_share_of_one_turns_yielding_off()
    {
        var intake = Intake(share: 1);
        Accept(intake, perSecond: 5000, seconds: 1);

        Assert.All(Enumerable.Range(0, 50).Select(_ => intake.TakeTurn(rate: 100_000)), t => Assert.Equal(TimeSpan.Zero, t));
    }

    private IntakeFirst Intake(double share = 0.1) =>
        new(Options.Create(new DeliveryOptions { IntakeFirstAbove = 500, SendShareWhileReceiving = share }), _time);

    /// <summary>Accepts <paramref name="perSecond"/> a second, evenly, for <paramref name="seconds"/>.</summary>
    private void Accept(IntakeFirst intake, int perSecond, int seconds)
    {
        var step = TimeSpan.FromTicks(TimeSpan.TicksPerSecond / perSecond);
        for (var i = 0; i < perSecond * seconds; i++)
        {
            intake.Accepted();
            _time.Advance(step);
        }
    }
}
