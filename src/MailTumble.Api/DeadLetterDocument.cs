using System.Text.Json.Serialization;
using MailTumble.Core.Queue;

namespace MailTumble.Api;

/// <summary>A dead letter in <c>GET /dlq</c> and <c>GET /dlq/{id}</c>, with its reason and rewritten headers.</summary>
internal sealed record DeadLetterDocument(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("alias")] string Alias,
    [property: JsonPropertyName("recipient")] string Recipient,
    [property: JsonPropertyName("attempts")] int Attempts,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("received_at")] DateTimeOffset ReceivedAt,
    [property: JsonPropertyName("dead_at")] DateTimeOffset DeadAt,
    [property: JsonPropertyName("headers")] string Headers)
{
    /// <summary>Maps a dead letter.</summary>
    public static DeadLetterDocument From(DeadLetter dead) => new(
        dead.Item.Id,
        dead.Item.MessageKey,
        dead.Item.Alias,
        dead.Item.Recipient,
        dead.Attempts,
        dead.Reason,
        dead.Item.ReceivedAt,
        dead.DeadAt,
        System.Text.Encoding.UTF8.GetString(dead.Item.Headers.Span));
}
