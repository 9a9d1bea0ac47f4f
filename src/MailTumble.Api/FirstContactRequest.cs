using System.Text.Json.Serialization;

namespace MailTumble.Api;

/// <summary>Body of <c>PUT /senders/first-contact</c>.</summary>
/// <param name="State">on, off, or default (follow <c>MailTumble:Moderation:FirstContact</c>).</param>
/// <param name="Alias">Only for this alias; absent for every alias.</param>
/// <param name="By">Who set it (default <c>api</c>).</param>
public sealed record FirstContactRequest(
    [property: JsonPropertyName("state")] string? State,
    [property: JsonPropertyName("alias")] string? Alias,
    [property: JsonPropertyName("by")] string? By);
