using System.Text.Json.Serialization;
using MailTumble.Core.Delivery;

namespace MailTumble.Api;

/// <summary>The send-out stage in <c>GET /queue/stats</c>: rate, throttling, quota, pause and time to drain (null when no <c>serve</c> runs).</summary>
internal sealed record SendOutDocument(
    [property: JsonPropertyName("rate")] double Rate,
    [property: JsonPropertyName("max_rate")] double MaxRate,
    [property: JsonPropertyName("concurrency")] int Concurrency,
    [property: JsonPropertyName("sent_last_minute")] long SentLastMinute,
    [property: JsonPropertyName("throttled_last_minute")] long ThrottledLastMinute,
    [property: JsonPropertyName("failed_last_minute")] long FailedLastMinute,
    [property: JsonPropertyName("daily_quota")] int? DailyQuota,
    [property: JsonPropertyName("daily_used")] int DailyUsed,
    [property: JsonPropertyName("paused_until")] DateTimeOffset? PausedUntil,
    [property: JsonPropertyName("pause_reason")] string? PauseReason,
    [property: JsonPropertyName("seconds_to_drain")] double? SecondsToDrain)
{
    /// <summary>Maps a published status; <paramref name="depth"/> is what is left to send (ready and in flight).</summary>
    public static SendOutDocument From(DeliveryStatus status, long depth) => new(
        status.Rate,
        status.MaxRate,
        status.Concurrency,
        status.SentLastMinute,
        status.ThrottledLastMinute,
        status.FailedLastMinute,
        status.DailyQuota,
        status.DailyUsed,
        status.PausedUntil,
        status.PauseReason,
        status.EstimatedDrain(depth)?.TotalSeconds);
}
