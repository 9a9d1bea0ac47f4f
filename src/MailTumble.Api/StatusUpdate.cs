using System.Text.Json.Serialization;

namespace MailTumble.Api;

/// <summary>Body of <c>PUT /aliases/{address}/status</c>.</summary>
/// <param name="Status">active, held, dead or disabled.</param>
/// <param name="Reason">Why, for the log (optional).</param>
/// <param name="By">Who, for the log (default <c>api</c>).</param>
public sealed record StatusUpdate(
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("reason")] string? Reason = null,
    [property: JsonPropertyName("by")] string? By = null);
