using System.Text.Json.Serialization;

namespace MailTumble.Api;

/// <summary>The answer of <c>POST /held/approve</c>: how many held messages were queued.</summary>
internal sealed record ApprovedResult(
    [property: JsonPropertyName("approved")] int Approved);
