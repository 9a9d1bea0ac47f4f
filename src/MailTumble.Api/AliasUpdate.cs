using System.Text.Json.Serialization;

namespace MailTumble.Api;

/// <summary>Body of <c>PUT /aliases/{address}</c>: the target, as <c>email</c> (original code) or <c>target</c>.</summary>
public sealed record AliasUpdate(
    [property: JsonPropertyName("email")] string? Email,
    [property: JsonPropertyName("target")] string? Target);
