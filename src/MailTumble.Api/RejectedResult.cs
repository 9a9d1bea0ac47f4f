using System.Text.Json.Serialization;

namespace MailTumble.Api;

/// <summary>The answer of <c>POST /held/reject</c>: how many held messages were rejected.</summary>
internal sealed record RejectedResult(
    [property: JsonPropertyName("rejected")] int Rejected);
