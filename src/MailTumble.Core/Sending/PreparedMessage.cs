namespace MailTumble.Core.Sending;

/// <summary>One message ready to send: the envelope, the rewritten headers and the original body.</summary>
/// <param name="DeliveryId">The queue item id, for logs and outbox file names.</param>
/// <param name="EnvelopeFrom">Envelope sender; empty for the null sender.</param>
/// <param name="Recipient">Envelope recipient.</param>
/// <param name="Headers">Rewritten header block including the empty separator line.</param>
/// <param name="Body">The original body bytes, positioned at their start; read to the end.</param>
/// <param name="BeforeContent">
/// Awaited by the sender right before the content leaves (after the provider accepted the envelope and DATA), once
/// per attempt: it holds the message until its rate-budget slot, so it reaches the provider on time.
/// </param>
public sealed record PreparedMessage(
    string DeliveryId,
    string EnvelopeFrom,
    string Recipient,
    ReadOnlyMemory<byte> Headers,
    Stream Body,
    Func<CancellationToken, ValueTask>? BeforeContent = null);
