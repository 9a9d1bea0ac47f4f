using System.Text.Json.Serialization;

namespace MailTumble.Api;

/// <summary>Body of <c>POST /dlq/replay</c>.</summary>
public sealed record ReplayRequest(
    [property: JsonPropertyName("ids")] IReadOnlyCollection<string>? Ids,
    [property: JsonPropertyName("all")] bool? All);
