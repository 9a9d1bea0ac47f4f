using System.Text.Json.Serialization;

namespace MailTumble.Api;

/// <summary>The answer of <c>DELETE /dlq</c>: dead letters deleted and stored messages released with them.</summary>
internal sealed record PurgeResult(
    [property: JsonPropertyName("purged")] int Purged,
    [property: JsonPropertyName("released_messages")] int ReleasedMessages);
