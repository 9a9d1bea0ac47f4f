using System.Text.Json.Serialization;

namespace MailTumble.Api;

/// <summary>Body of <c>PUT /aliases/{address}/status</c>.</summary>
public sealed record StatusUpdate([property: JsonPropertyName("status")] string? Status);
