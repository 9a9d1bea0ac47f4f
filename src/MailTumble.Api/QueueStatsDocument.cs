using System.Text.Json.Serialization;

namespace MailTumble.Api;

/// <summary><c>GET /queue/stats</c>: queue depth, dead letters and, while a send-out runs, what it is doing.</summary>
internal sealed record QueueStatsDocument(
    [property: JsonPropertyName("depth")] long Depth,
    [property: JsonPropertyName("ready")] long Ready,
    [property: JsonPropertyName("in_flight")] long InFlight,
    [property: JsonPropertyName("deferred")] long Deferred,
    [property: JsonPropertyName("dead_letters")] long DeadLetters,
    [property: JsonPropertyName("sent_last_minute")] long? SentLastMinute,
    [property: JsonPropertyName("send_out")] SendOutDocument? SendOut);
