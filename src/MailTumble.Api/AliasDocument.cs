using System.Text.Json.Serialization;
using MailTumble.Core.Directory;

namespace MailTumble.Api;

/// <summary>An alias in the original system's REST contract (snake_case, <c>email</c> is the target).</summary>
public sealed record AliasDocument(
    [property: JsonPropertyName("alias")] string Alias,
    [property: JsonPropertyName("email")] string Email,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("count_bounce")] int CountBounce,
    [property: JsonPropertyName("count_complaint")] int CountComplaint,
    [property: JsonPropertyName("count_delivery")] int CountDelivery,
    [property: JsonPropertyName("optout")] bool Optout)
{
    /// <summary>Maps a directory record.</summary>
    public static AliasDocument From(AliasRecord record) => new(
        record.Address,
        record.Target,
        record.Status.ToString().ToLowerInvariant(),
        record.CountBounce,
        record.CountComplaint,
        record.CountDelivery,
        record.Status is AliasStatus.Disabled);
}
