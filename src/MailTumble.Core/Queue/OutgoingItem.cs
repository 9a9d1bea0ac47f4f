namespace MailTumble.Core.Queue;

/// <summary>One delivery: a stored message, rewritten for one target.</summary>
/// <param name="Id">Unique id of the delivery; stable across redeliveries.</param>
/// <param name="MessageKey">Key of the original bytes in the raw store.</param>
/// <param name="Alias">The alias the mail was sent to.</param>
/// <param name="Recipient">The envelope recipient (the alias's target).</param>
/// <param name="EnvelopeFrom">The envelope sender to use; empty for the null sender.</param>
/// <param name="Headers">The rewritten header block, CRLF line ends, without the empty separator line (senders add it).</param>
/// <param name="BodyOffset">Where the body starts in the stored message.</param>
/// <param name="ReceivedAt">When the message was accepted.</param>
/// <param name="ExpiresAt">After this the delivery is dead-lettered instead of retried.</param>
/// <param name="Priority">Higher goes first (operator-approved mail ahead of bulk).</param>
/// <param name="Lane">
/// The fair-share lane (see <see cref="IOutgoingQueue"/>): an opaque key chosen when the mail was received, by default the
/// envelope sender's domain. Stored with the item and kept through retries, dead letters, replays and holds. Empty for
/// items queued before lanes existed; they share the lane <c>""</c>.
/// </param>
/// <param name="Bulk">Bulk mail (<c>Precedence: bulk</c>, list headers): within its lane it yields to the lane's other mail.</param>
public sealed record OutgoingItem(
    string Id,
    string MessageKey,
    string Alias,
    string Recipient,
    string EnvelopeFrom,
    ReadOnlyMemory<byte> Headers,
    long BodyOffset,
    DateTimeOffset ReceivedAt,
    DateTimeOffset ExpiresAt,
    int Priority = 0,
    string Lane = "",
    bool Bulk = false);
