using System.Text.Json.Serialization;

namespace MailTumble.Api;

/// <summary>The answer of <c>POST /dlq/replay</c>: how many dead letters were queued again.</summary>
internal sealed record ReplayResult(
    [property: JsonPropertyName("replayed")] int Replayed);
