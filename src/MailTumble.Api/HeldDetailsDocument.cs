using System.Text.Json.Serialization;

namespace MailTumble.Api;

/// <summary><c>GET /held/{id}</c>: the held message, its original headers and a text preview.</summary>
internal sealed record HeldDetailsDocument(
    [property: JsonPropertyName("message")] HeldDocument Message,
    [property: JsonPropertyName("headers")] string Headers,
    [property: JsonPropertyName("preview")] string Preview);
