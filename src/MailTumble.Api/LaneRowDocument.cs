using System.Text.Json.Serialization;
using MailTumble.Core.Fairness;

namespace MailTumble.Api;

/// <summary>One lane in <c>GET /queue/lanes</c>; <c>share</c> is null while fair share is off.</summary>
internal sealed record LaneRowDocument(
    [property: JsonPropertyName("lane")] string Lane,
    [property: JsonPropertyName("depth")] long Depth,
    [property: JsonPropertyName("ready")] long Ready,
    [property: JsonPropertyName("in_flight")] long InFlight,
    [property: JsonPropertyName("deferred")] long Deferred,
    [property: JsonPropertyName("bulk")] long Bulk,
    [property: JsonPropertyName("weight")] double Weight,
    [property: JsonPropertyName("share")] double? Share,
    [property: JsonPropertyName("seconds_to_drain")] double? SecondsToDrain,
    [property: JsonPropertyName("oldest_age_seconds")] double? OldestAgeSeconds,
    [property: JsonPropertyName("backpressure")] bool Backpressure)
{
    /// <summary>Maps a lane row.</summary>
    public static LaneRowDocument From(LaneRow row, bool fairShare) => new(
        row.Lane,
        row.Depth,
        row.Ready,
        row.InFlight,
        row.Deferred,
        row.Bulk,
        row.Weight,
        fairShare ? row.Share : null,
        row.Drain?.TotalSeconds,
        row.OldestAge?.TotalSeconds,
        row.Backpressure);
}
