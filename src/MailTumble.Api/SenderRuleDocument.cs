using System.Text.Json.Serialization;
using MailTumble.Core.Moderation;

namespace MailTumble.Api;

/// <summary>A sender rule in <c>GET /senders</c>.</summary>
internal sealed record SenderRuleDocument(
    [property: JsonPropertyName("sender")] string Sender,
    [property: JsonPropertyName("alias")] string? Alias,
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("silent")] bool Silent,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("created_by")] string CreatedBy,
    [property: JsonPropertyName("note")] string? Note)
{
    /// <summary>Maps a rule.</summary>
    public static SenderRuleDocument From(SenderRule rule) => new(
        rule.Pattern,
        rule.Alias,
        rule.Action.ToString().ToLowerInvariant(),
        rule.Silent,
        rule.CreatedAt,
        rule.CreatedBy,
        rule.Note);
}
