using System.Text.Json.Serialization;

namespace MailTumble.Api;

/// <summary>One page of <c>GET /aliases</c>.</summary>
/// <param name="Items">The aliases, in address order.</param>
/// <param name="NextCursor">Pass as <c>cursor</c> for the next page; null on the last page.</param>
public sealed record AliasPage(
    [property: JsonPropertyName("items")] IReadOnlyList<AliasDocument> Items,
    [property: JsonPropertyName("next_cursor")] string? NextCursor);
