using System.Text.Json.Serialization;

namespace MailTumble.Api;

/// <summary>
/// Body of <c>PUT /aliases/{address}</c>: the target, as <c>email</c> (original code) or <c>target</c> (one address, or
/// several separated by commas), or the targets as a <c>targets</c> array; optionally the <c>display_name</c> and the
/// <c>note</c> (left out or null: kept as they are; an empty string clears).
/// </summary>
public sealed record AliasUpdate(
    [property: JsonPropertyName("email")] string? Email,
    [property: JsonPropertyName("target")] string? Target,
    [property: JsonPropertyName("targets")] IReadOnlyList<string>? Targets = null,
    [property: JsonPropertyName("display_name")] string? DisplayName = null,
    [property: JsonPropertyName("note")] string? Note = null);
