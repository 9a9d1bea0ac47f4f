using MailTumble.Core.Aliases;
using MailTumble.Core.Delivery;
using MailTumble.Core.Queue;
using MailTumble.Core.Sending;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Core.Tests;

/// <summary>
/// What a leased delivery's state and its send result mean (send, drop, retry when, dead-letter, pause), on a fake
/// clock, without a queue, a store or a socket.
/// </summary>
public sealed class DeliveryPolicyTests
{
    private const string Target = "john@real.example.org";
    private static readonly AliasRecord Alias = new("x7g2@mask.example.com", Target, AliasStatus.Active);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly DeliveryOptions _options = new();

    private DeliveryPolicy Policy() => new(Options.Create(_options), new Random(17));

    private LeasedItem Leased(int attempts = 0, string recipient = Target, string? lastError = null, TimeSpan? lifetime = null)
    {
        var now = _time.GetUtcNow();
        var item = new OutgoingItem("d1", "k1", Alias.Address, recipient, "bounce@mask.example.com", "Subject: x\r\n"u8.ToArray(), 12, now, now + (lifetime ?? TimeSpan.FromDays(5)));
        return new LeasedItem(item, attempts, "t1", now + TimeSpan.FromMinutes(5), lastError);
    }

    [Fact]
    public void A_delivery_is_dead_lettered_once_its_queue_lifetime_is_over_naming_the_wait_and_the_last_error()
    {
        var leased = Leased(lastError: "451 4.3.0 mailbox busy");
        _time.Advance(TimeSpan.FromDays(5) - TimeSpan.FromSeconds(1));
        Assert.Null(DeliveryPolicy.Expired(leased, _time.GetUtcNow()));

        _time.Advance(TimeSpan.FromSeconds(1));
        var verdict = DeliveryPolicy.Expired(leased, _time.GetUtcNow());
        Assert.Equal(DeliveryAction.DeadLetter, verdict!.Action);
        Assert.Equal("expired after 5.00:00 in the queue; last error: 451 4.3.0 mailbox busy", verdict.Reason);
        Assert.Equal("expired after 5.00:00 in the queue; last error: none", DeliveryPolicy.Expired(Leased(), _time.GetUtcNow() + TimeSpan.FromDays(5))!.Reason);
    }

    [Fact]
    public void A_directory_outage_retries_after_RetryInitial_and_a_reply_goes_to_its_correspondent()
    {
        var now = _time.GetUtcNow();
        var outage = Policy().Check(Leased(), false, LookupResult.TemporaryFailure("timed out"), now);
        Assert.Equal((DeliveryAction.Retry, "directory unavailable: timed out", now + _options.RetryInitial), (outage.Action, outage.Reason, outage.NotBefore));
        Assert.Null(outage.PauseUntil);

        var reply = Policy().Check(Leased(recipient: "shop@brand.example"), true, LookupResult.Found(Alias with { Status = AliasStatus.Dead }), now);
        Assert.Equal((DeliveryAction.Send, "shop@brand.example"), (reply.Action, reply.Target));
    }

    [Theory]
    [InlineData(AliasStatus.Disabled, false, "alias disabled")]
    [InlineData(AliasStatus.Disabled, true, "alias disabled")]
    [InlineData(AliasStatus.Dead, false, "alias dead")]
    public void Mail_for_a_disabled_or_dead_alias_is_dropped_saying_why(AliasStatus status, bool isReply, string why)
    {
        var verdict = Policy().Check(Leased(), isReply, LookupResult.Found(Alias with { Status = status }), _time.GetUtcNow());
        Assert.Equal((DeliveryAction.Drop, why), (verdict.Action, verdict.Reason));
    }

    [Fact]
    public void Mail_for_a_removed_alias_is_dropped_and_a_retarget_applies_to_queued_mail()
    {
        var now = _time.GetUtcNow();
        Assert.Equal((DeliveryAction.Drop, "alias removed"), Verdict(Policy().Check(Leased(), false, LookupResult.NotFound, now)));

        var moved = Policy().Check(Leased(), false, LookupResult.Found(Alias with { Target = "john@new.example.org" }), now);
        Assert.Equal((DeliveryAction.Send, "john@new.example.org"), (moved.Action, moved.Target));
    }

    [Fact]
    public void With_several_targets_each_item_keeps_its_own_and_is_dropped_when_that_one_died_or_was_removed()
    {
        var now = _time.GetUtcNow();
        var several = Alias with { Targets = [Target, "jane@real.example.org"] };
        var own = Policy().Check(Leased(recipient: "jane@real.example.org"), false, LookupResult.Found(several), now);
        Assert.Equal((DeliveryAction.Send, "jane@real.example.org"), (own.Action, own.Target));

        Assert.Equal((DeliveryAction.Drop, "target dead"), Verdict(Policy().Check(Leased(recipient: "jane@real.example.org"), false, LookupResult.Found(several with { DeadTargets = ["JANE@real.example.org"] }), now)));
        Assert.Equal((DeliveryAction.Drop, "target removed from the alias"), Verdict(Policy().Check(Leased(recipient: "joe@real.example.org"), false, LookupResult.Found(several), now)));
    }

    [Fact]
    public void Sent_is_acked_for_the_target_it_went_to()
    {
        var verdict = Policy().Judge(Leased(), Target, new SendResult(SendOutcome.Sent, "250 2.0.0 Ok", "p1"), false, _time.GetUtcNow());
        Assert.Equal((DeliveryAction.Sent, Target, "250 2.0.0 Ok"), (verdict.Action, verdict.Target, verdict.Reason));
        Assert.Null(verdict.PauseUntil);
    }

    [Fact]
    public void Throttling_retries_within_ThrottleRetry_without_pausing_and_says_so()
    {
        var now = _time.GetUtcNow();
        var verdict = Policy().Judge(Leased(), Target, new SendResult(SendOutcome.Throttled, "454 Throttling failure"), false, now);
        Assert.Equal((DeliveryAction.Retry, now + _options.ThrottleRetry, DeliveryNotice.Throttled, "454 Throttling failure"), (verdict.Action, verdict.NotBefore, verdict.Notice, verdict.Reason));
        Assert.Null(verdict.PauseUntil);
    }

    [Fact]
    public void A_spent_quota_pauses_all_sending_for_a_minute_and_retries_after_it()
    {
        var now = _time.GetUtcNow();
        var verdict = Policy().Judge(Leased(), Target, new SendResult(SendOutcome.QuotaExceeded, "454 Daily message quota exceeded"), false, now);
        Assert.Equal((DeliveryAction.Retry, now + TimeSpan.FromMinutes(1), DeliveryNotice.QuotaSpent), (verdict.Action, verdict.NotBefore, verdict.Notice));
        Assert.Equal((now + TimeSpan.FromMinutes(1), "provider says the daily quota is spent"), (verdict.PauseUntil, verdict.PauseReason));
    }

    [Fact]
    public void An_unreachable_provider_pauses_sending_for_UnreachablePause_and_is_reported_only_when_not_paused_already()
    {
        var now = _time.GetUtcNow();
        var result = new SendResult(SendOutcome.ProviderUnavailable, "connection refused");
        var first = Policy().Judge(Leased(), Target, result, false, now);
        Assert.Equal((DeliveryAction.Retry, now + _options.UnreachablePause, DeliveryNotice.Unreachable, _options.UnreachablePause), (first.Action, first.NotBefore, first.Notice, first.Delay));
        Assert.Equal((now + _options.UnreachablePause, "provider unreachable: connection refused"), (first.PauseUntil, first.PauseReason));

        var again = Policy().Judge(Leased(), Target, result, true, now);
        Assert.Equal(DeliveryNotice.None, again.Notice);
        Assert.Equal(first.PauseUntil, again.PauseUntil);
    }

    [Theory]
    [InlineData(0, 60)]
    [InlineData(1, 120)]
    [InlineData(3, 480)]
    [InlineData(20, 3600)]
    public void A_temporary_failure_backs_off_exponentially_with_jitter_up_to_RetryMax(int attempts, int baseSeconds)
    {
        var now = _time.GetUtcNow();
        var verdict = Policy().Judge(Leased(attempts), Target, new SendResult(SendOutcome.TransientFailure, "451 4.7.1 greylisted"), false, now);
        Assert.Equal((DeliveryAction.Retry, DeliveryNotice.Deferred, "451 4.7.1 greylisted"), (verdict.Action, verdict.Notice, verdict.Reason));
        Assert.Equal(now + verdict.Delay, verdict.NotBefore);
        Assert.InRange(verdict.Delay, TimeSpan.FromSeconds(Math.Min(baseSeconds * 0.8, 3600)), TimeSpan.FromSeconds(Math.Min(baseSeconds * 1.2, 3600)));
        Assert.Null(verdict.PauseUntil);
    }

    [Fact]
    public void A_retry_is_never_due_after_the_item_expires()
    {
        var leased = Leased(attempts: 10, lifetime: TimeSpan.FromMinutes(10));
        var now = _time.GetUtcNow();
        foreach (var outcome in new[] { SendOutcome.TransientFailure, SendOutcome.ProviderUnavailable, SendOutcome.QuotaExceeded })
        {
            _options.UnreachablePause = TimeSpan.FromMinutes(30);
            var verdict = Policy().Judge(leased, Target, new SendResult(outcome, "4xx"), false, now + TimeSpan.FromMinutes(9.5));
            Assert.Equal(leased.Item.ExpiresAt, verdict.NotBefore);
        }

        Assert.Equal(leased.Item.ExpiresAt, Policy().Check(leased, false, LookupResult.TemporaryFailure("down"), now + TimeSpan.FromMinutes(9.5)).NotBefore);
    }

    [Fact]
    public void A_permanent_failure_is_dead_lettered_with_the_reply()
    {
        var verdict = Policy().Judge(Leased(), Target, new SendResult(SendOutcome.PermanentFailure, "550 5.1.1 no such user"), false, _time.GetUtcNow());
        Assert.Equal((DeliveryAction.DeadLetter, "550 5.1.1 no such user"), Verdict(verdict));
        Assert.Null(verdict.PauseUntil);
    }

    [Fact]
    public void Every_send_outcome_has_a_verdict()
    {
        foreach (var outcome in Enum.GetValues<SendOutcome>())
        {
            var verdict = Policy().Judge(Leased(), Target, new SendResult(outcome, "reply"), false, _time.GetUtcNow());
            Assert.NotEqual(DeliveryAction.Send, verdict.Action);
            Assert.NotEqual(DeliveryAction.Drop, verdict.Action);
        }
    }

    private static (DeliveryAction, string) Verdict(DeliveryVerdict verdict) => (verdict.Action, verdict.Reason);
}
