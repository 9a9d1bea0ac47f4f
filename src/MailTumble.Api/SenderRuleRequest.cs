using System.Text.Json.Serialization;

namespace MailTumble.Api;

/// <summary>Body of <c>PUT /senders</c>.</summary>
/// <param name="Sender">An address or @domain.</param>
/// <param name="Action">hold, block or allow.</param>
/// <param name="Alias">Only for this alias; absent for every alias.</param>
/// <param name="Silent">Block only: accept and drop instead of refusing.</param>
/// <param name="Note">Why, for the record.</param>
/// <param name="By">Who set it (default <c>api</c>).</param>
public sealed record SenderRuleRequest(
    [property: JsonPropertyName("sender")] string? Sender,
    [property: JsonPropertyName("action")] string? Action,
    [property: JsonPropertyName("alias")] string? Alias,
    [property: JsonPropertyName("silent")] bool Silent,
    [property: JsonPropertyName("note")] string? Note,
    [property: JsonPropertyName("by")] string? By);
