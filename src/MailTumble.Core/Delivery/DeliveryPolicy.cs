using MailTumble.Core.Aliases;
using MailTumble.Core.Pacing;
using MailTumble.Core.Queue;
using MailTumble.Core.Sending;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Delivery;

/// <summary>
/// What a leased delivery's state and its send result mean for it: send (to which target), drop, retry (when) or
/// dead-letter, and whether sending as a whole pauses. Pure: the caller reads the clock and the directory, carries the
/// verdict out on the queue and logs it (<see cref="DeliveryVerdictApplier"/>).
/// </summary>
internal sealed class DeliveryPolicy
{
    /// <summary>How long sending pauses, and a delivery waits, when the provider says its daily quota is spent.</summary>
    internal static readonly TimeSpan QuotaPause = TimeSpan.FromMinutes(1);

    private readonly DeliveryOptions _options;
    private readonly RetrySchedule _retry;

    /// <summary>Creates the policy; <paramref name="jitter"/> draws the backoff's jitter (shared by default).</summary>
    public DeliveryPolicy(IOptions<DeliveryOptions> options, Random? jitter = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _retry = new RetrySchedule(_options.RetryInitial, _options.RetryMax, jitter);
    }

    /// <summary>A dead letter when the delivery has outlived the queue lifetime at <paramref name="now"/>, else null.</summary>
    public static DeliveryVerdict? Expired(LeasedItem leased, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(leased);
        var item = leased.Item;
        return now >= item.ExpiresAt
            ? DeliveryVerdict.DeadLetter($"expired after {now - item.ReceivedAt:d\\.hh\\:mm} in the queue; last error: {leased.LastError ?? "none"}")
            : null;
    }

    /// <summary>
    /// What the directory's answer at send time means: a reply (<paramref name="isReply"/>: its alias is a reverse alias)
    /// goes to its correspondent while the alias exists and is not disabled; other mail goes to the alias's current
    /// target while the alias is not dead and the target still belongs to it.
    /// </summary>
    public DeliveryVerdict Check(LeasedItem leased, bool isReply, LookupResult lookup, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(leased);
        ArgumentNullException.ThrowIfNull(lookup);
        var item = leased.Item;
        if (lookup.Outcome == LookupOutcome.TemporaryFailure)
        {
            return Retry(leased, now + _options.RetryInitial, "directory unavailable: " + lookup.Reason);
        }

        var gone = !isReply && lookup.Outcome == LookupOutcome.Found ? TargetGone(lookup.Alias!, item.Recipient) : null;
        if (lookup.Outcome == LookupOutcome.NotFound || lookup.Alias!.Status is AliasStatus.Disabled || (!isReply && lookup.Alias.Status is AliasStatus.Dead) || gone is not null)
        {
            return DeliveryVerdict.Drop(lookup.Outcome == LookupOutcome.NotFound ? "alias removed" : gone ?? "alias " + lookup.Alias!.Status.ToString().ToLowerInvariant());
        }

        return DeliveryVerdict.Send(isReply ? item.Recipient : SendTo(lookup.Alias, item.Recipient));
    }

    /// <summary>
    /// What a send result means, at <paramref name="now"/> (after the send); <paramref name="paused"/> says whether
    /// sending was already paused, so an outage is reported once.
    /// </summary>
    public DeliveryVerdict Judge(LeasedItem leased, string target, SendResult result, bool paused, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(leased);
        ArgumentNullException.ThrowIfNull(result);
        switch (result.Outcome)
        {
            case SendOutcome.Sent:
                return new DeliveryVerdict(DeliveryAction.Sent, result.Reply) { Target = target };
            case SendOutcome.Throttled:
                return Retry(leased, now + _options.ThrottleRetry, result.Reply) with { Target = target, Notice = DeliveryNotice.Throttled };
            case SendOutcome.QuotaExceeded:
                return Retry(leased, now + QuotaPause, result.Reply) with
                {
                    Target = target,
                    Notice = DeliveryNotice.QuotaSpent,
                    Delay = QuotaPause,
                    PauseUntil = now + QuotaPause,
                    PauseReason = "provider says the daily quota is spent",
                };
            case SendOutcome.ProviderUnavailable:
                return Retry(leased, now + _options.UnreachablePause, result.Reply) with
                {
                    Target = target,
                    Notice = paused ? DeliveryNotice.None : DeliveryNotice.Unreachable,
                    Delay = _options.UnreachablePause,
                    PauseUntil = now + _options.UnreachablePause,
                    PauseReason = "provider unreachable: " + result.Reply,
                };
            case SendOutcome.TransientFailure:
                var delay = _retry.Delay(leased.Attempts + 1);
                return Retry(leased, now + delay, result.Reply) with { Target = target, Notice = DeliveryNotice.Deferred, Delay = delay };
            case SendOutcome.PermanentFailure:
                return DeliveryVerdict.DeadLetter(result.Reply) with { Target = target };
            default:
                throw new InvalidOperationException($"unhandled send outcome {result.Outcome}");
        }
    }

    /// <summary>A retry, never due after the item expires (then it is dead-lettered when next leased).</summary>
    private static DeliveryVerdict Retry(LeasedItem leased, DateTimeOffset notBefore, string reason) =>
        new(DeliveryAction.Retry, reason) { NotBefore = notBefore >= leased.Item.ExpiresAt ? leased.Item.ExpiresAt : notBefore };

    /// <summary>
    /// Where a queued item goes now: an alias with one target sends to its current target (a retarget applies to queued
    /// mail); with several, each item keeps its own target.
    /// </summary>
    private static string SendTo(AliasRecord alias, string queuedFor) => alias.Targets.Count == 1 ? alias.Target : queuedFor;

    /// <summary>Why an item of an alias with several targets is no longer sent (its target died or was removed); null when it is.</summary>
    private static string? TargetGone(AliasRecord alias, string queuedFor)
    {
        if (alias.Targets.Count == 1)
        {
            return null;
        }

        if (!alias.Targets.Contains(queuedFor, StringComparer.OrdinalIgnoreCase))
        {
            return "target removed from the alias";
        }

        return alias.DeadTargets.Contains(queuedFor, StringComparer.OrdinalIgnoreCase) ? "target dead" : null;
    }
}
