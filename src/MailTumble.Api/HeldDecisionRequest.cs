using System.Text.Json.Serialization;

namespace MailTumble.Api;

/// <summary>Body of <c>POST /held/approve</c> and <c>POST /held/reject</c>: which held mail, and why.</summary>
/// <param name="Ids">Held entry ids.</param>
/// <param name="Alias">Every held message for this alias.</param>
/// <param name="Sender">Every held message from this address or @domain.</param>
/// <param name="OlderThanSeconds">Only mail held longer than this.</param>
/// <param name="All">Every held message.</param>
/// <param name="Reason">Why, for the record.</param>
/// <param name="By">Who decided (default <c>api</c>).</param>
/// <param name="AllowSender">Approve only: also allow each sender for that alias.</param>
public sealed record HeldDecisionRequest(
    [property: JsonPropertyName("ids")] IReadOnlyList<string>? Ids,
    [property: JsonPropertyName("alias")] string? Alias,
    [property: JsonPropertyName("sender")] string? Sender,
    [property: JsonPropertyName("older_than_seconds")] double? OlderThanSeconds,
    [property: JsonPropertyName("all")] bool All,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("by")] string? By,
    [property: JsonPropertyName("allow_sender")] bool AllowSender);
