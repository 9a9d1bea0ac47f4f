using System.Text.Json.Serialization;
using MailTumble.Core.Moderation;

namespace MailTumble.Api;

/// <summary>A held message in <c>GET /held</c> and <c>GET /held/{id}</c>, with its decision once there is one.</summary>
internal sealed record HeldDocument(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("received_at")] DateTimeOffset ReceivedAt,
    [property: JsonPropertyName("held_at")] DateTimeOffset HeldAt,
    [property: JsonPropertyName("sender")] string Sender,
    [property: JsonPropertyName("envelope_sender")] string EnvelopeSender,
    [property: JsonPropertyName("alias")] string Alias,
    [property: JsonPropertyName("recipient")] string Recipient,
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("decided_by")] string? DecidedBy,
    [property: JsonPropertyName("decided_at")] DateTimeOffset? DecidedAt,
    [property: JsonPropertyName("decision_reason")] string? DecisionReason)
{
    /// <summary>Maps a held message.</summary>
    public static HeldDocument From(HeldMessage held) => new(
        held.Id,
        held.Item.ReceivedAt,
        held.HeldAt,
        held.Sender,
        held.EnvelopeSender,
        held.Item.Alias,
        held.Item.Recipient,
        held.Subject,
        held.Size,
        held.Reason,
        held.State.ToString().ToLowerInvariant(),
        held.Decision?.By,
        held.Decision?.At,
        held.Decision?.Reason);
}
