using System.Text.Json.Serialization;

namespace MailTumble.Api;

/// <summary>The answer of <c>POST /feedback/sns</c> to a notification: feedback applied, duplicates and unattributed.</summary>
internal sealed record SnsFeedbackResult(
    [property: JsonPropertyName("applied")] int Applied,
    [property: JsonPropertyName("duplicates")] int Duplicates,
    [property: JsonPropertyName("unattributed")] int Unattributed);
