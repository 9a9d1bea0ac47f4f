using System.Text.Json.Serialization;

namespace MailTumble.Api;

/// <summary>
/// Body of <c>PUT /aliases/{address}</c>: the target, as <c>email</c> (original code) or <c>target</c> (one address, or
/// several separated by commas), or the targets as a <c>targets</c> array.
/// </summary>
public sealed record AliasUpdate(
    [property: JsonPropertyName("email")] string? Email,
    [property: JsonPropertyName("target")] string? Target,
    [property: JsonPropertyName("targets")] IReadOnlyList<string>? Targets = null);
