using System.Text.Json.Serialization;

namespace MailTumble.Api;

/// <summary>
/// Body of <c>PATCH /aliases/{address}</c>: only what it names changes. <c>disabled</c> true switches the alias off
/// (its mail is refused with 550 5.2.1; targets, counts and reverse aliases are kept), false switches a disabled alias
/// on; <c>display_name</c> and <c>note</c> set those (an empty string clears, null or left out keeps).
/// </summary>
/// <param name="Disabled">The switch; null leaves it.</param>
/// <param name="DisplayName">The name in the From of replies from the alias.</param>
/// <param name="Note">The operator's note; never in mail.</param>
/// <param name="Reason">Why, for the log (optional).</param>
/// <param name="By">Who, for the log (default <c>api</c>).</param>
public sealed record AliasPatch(
    [property: JsonPropertyName("disabled")] bool? Disabled = null,
    [property: JsonPropertyName("display_name")] string? DisplayName = null,
    [property: JsonPropertyName("note")] string? Note = null,
    [property: JsonPropertyName("reason")] string? Reason = null,
    [property: JsonPropertyName("by")] string? By = null);
