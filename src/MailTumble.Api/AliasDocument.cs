using System.Text.Json.Serialization;
using MailTumble.Core.Aliases;

namespace MailTumble.Api;

/// <summary>
/// An alias in the original system's REST contract: <c>alias</c> is where mail is redirected to (the target),
/// as the original README has it, and so is <c>email</c>, which the original code read. The alias address itself
/// is in <c>address</c>, a name the original contract does not use, so no client of it can take the mask for the target.
/// An alias with several targets has them all in <c>alias</c> as an array (and in <c>targets</c>); <c>email</c> is the first,
/// for clients that read one address. MailTumble's additions, optional for any other server of the contract:
/// <c>disabled</c> (switched off: mail is refused, as with <c>optout</c>), <c>display_name</c> (the name in the From of
/// replies from the alias) and <c>note</c> (the operator's; never in mail), the last two left out when unset.
/// </summary>
public sealed record AliasDocument(
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("alias")] object Alias,
    [property: JsonPropertyName("email")] string Email,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("count_bounce")] int CountBounce,
    [property: JsonPropertyName("count_complaint")] int CountComplaint,
    [property: JsonPropertyName("count_delivery")] int CountDelivery,
    [property: JsonPropertyName("optout")] bool Optout,
    [property: JsonPropertyName("targets")] IReadOnlyList<string> Targets,
    [property: JsonPropertyName("dead_targets")] IReadOnlyList<string> DeadTargets,
    [property: JsonPropertyName("disabled")] bool Disabled = false,
    [property: JsonPropertyName("display_name"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DisplayName = null,
    [property: JsonPropertyName("note"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Note = null)
{
    /// <summary>Forwarded, replied and blocked counts (only in <c>GET /aliases/{address}</c>; absent in lists).</summary>
    [JsonPropertyName("counters")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AliasCounterDocument? Counters { get; init; }

    /// <summary>Maps a directory record.</summary>
    public static AliasDocument From(AliasRecord record) => new(
        record.Address,
        record.Targets.Count > 1 ? record.Targets : record.Target,
        record.Target,
        record.Status.ToString().ToLowerInvariant(),
        record.CountBounce,
        record.CountComplaint,
        record.CountDelivery,
        record.Status is AliasStatus.Disabled,
        record.Targets,
        record.DeadTargets,
        record.Status is AliasStatus.Disabled,
        record.DisplayName,
        record.Note);
}
