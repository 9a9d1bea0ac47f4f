using System.Text.Json.Serialization;
using MailTumble.Core.Queue;

namespace MailTumble.Aws.Queue;

/// <summary>
/// The JSON body of one SQS message: an <see cref="OutgoingItem"/> (headers base64) plus the retry state that SQS
/// itself cannot carry, and the reason once it is a dead letter.
/// </summary>
internal sealed record QueuedDelivery(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("messageKey")] string MessageKey,
    [property: JsonPropertyName("alias")] string Alias,
    [property: JsonPropertyName("recipient")] string Recipient,
    [property: JsonPropertyName("envelopeFrom")] string EnvelopeFrom,
    [property: JsonPropertyName("headers")] byte[] Headers,
    [property: JsonPropertyName("bodyOffset")] long BodyOffset,
    [property: JsonPropertyName("receivedAt")] DateTimeOffset ReceivedAt,
    [property: JsonPropertyName("expiresAt")] DateTimeOffset ExpiresAt,
    [property: JsonPropertyName("priority")] int Priority,
    [property: JsonPropertyName("attempts")] int Attempts,
    [property: JsonPropertyName("lastError")] string? LastError,
    [property: JsonPropertyName("notBefore")] DateTimeOffset? NotBefore,
    [property: JsonPropertyName("deadReason")] string? DeadReason,
    [property: JsonPropertyName("deadAt")] DateTimeOffset? DeadAt,
    [property: JsonPropertyName("lane")] string? Lane = null,
    [property: JsonPropertyName("bulk")] bool Bulk = false)
{
    public static QueuedDelivery From(OutgoingItem item) => new(
        item.Id, item.MessageKey, item.Alias, item.Recipient, item.EnvelopeFrom, item.Headers.ToArray(), item.BodyOffset,
        item.ReceivedAt, item.ExpiresAt, item.Priority, 0, null, null, null, null, item.Lane, item.Bulk);

    // Messages queued before lanes existed have no lane: they share the lane "".
    public OutgoingItem ToItem() => new(Id, MessageKey, Alias, Recipient, EnvelopeFrom, Headers, BodyOffset, ReceivedAt, ExpiresAt, Priority, Lane ?? string.Empty, Bulk);
}
