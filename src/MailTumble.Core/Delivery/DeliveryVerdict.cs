namespace MailTumble.Core.Delivery;

/// <summary>What <see cref="DeliveryPolicy"/> decided for one leased delivery.</summary>
/// <param name="Action">What to do with it.</param>
/// <param name="Reason">Why, in the words kept with the item (the provider's reply, the drop or dead-letter reason).</param>
internal sealed record DeliveryVerdict(DeliveryAction Action, string Reason)
{
    /// <summary>Where the delivery goes (for <see cref="DeliveryAction.Send"/>) or went (for <see cref="DeliveryAction.Sent"/> and failures after a send).</summary>
    public string Target { get; init; } = string.Empty;

    /// <summary>For <see cref="DeliveryAction.Retry"/>: when it is due again (never after the item expires).</summary>
    public DateTimeOffset NotBefore { get; init; }

    /// <summary>The log line the verdict is worth.</summary>
    public DeliveryNotice Notice { get; init; }

    /// <summary>The backoff of a deferred retry, or the length of the pause.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>When set, all sending pauses until then (the provider's quota is spent or it cannot be reached).</summary>
    public DateTimeOffset? PauseUntil { get; init; }

    /// <summary>Why sending pauses, as <c>queue stats</c> shows it.</summary>
    public string? PauseReason { get; init; }

    /// <summary>Send to <paramref name="target"/>.</summary>
    public static DeliveryVerdict Send(string target) => new(DeliveryAction.Send, string.Empty) { Target = target };

    /// <summary>Dead-letter for <paramref name="reason"/>.</summary>
    public static DeliveryVerdict DeadLetter(string reason) => new(DeliveryAction.DeadLetter, reason);

    /// <summary>Drop (ack) for <paramref name="reason"/>.</summary>
    public static DeliveryVerdict Drop(string reason) => new(DeliveryAction.Drop, reason);
}
