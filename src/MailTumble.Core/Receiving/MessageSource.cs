using System.Buffers;
using MailTumble.Core.Rewriting;
using MailTumble.Core.Storage;

namespace MailTumble.Core.Receiving;

/// <summary>
/// The bytes of one incoming message, as <see cref="MessageIntake"/> sees them. The intake decides and rewrites from
/// <see cref="Head"/> alone (the header section) and asks the source to make the whole message durable
/// (<see cref="StoreAsync"/>) only when some recipient keeps it. The message never has to be one buffer in memory:
/// a transport that streams the bytes into the raw store while they arrive (SMTP DATA written straight to the store)
/// subclasses this, reports the key it stored them under in <see cref="StoredKey"/>, and returns that key from
/// <see cref="StoreAsync"/> without copying. <see cref="FromMemory"/> wraps bytes that are in memory.
/// </summary>
/// <remarks>
/// Ownership: once handed to the intake, stored bytes belong to the relay. When the message is accepted they are kept
/// for the queued and held deliveries; when it is not (refused, blocked, every recipient dropped, a storage failure),
/// the intake releases them. A transport never deletes them itself.
/// </remarks>
public abstract class MessageSource
{
    /// <summary>The whole message's length in bytes (CRLF line ends).</summary>
    public abstract long Length { get; }

    /// <summary>
    /// The start of the message: its first <see cref="HeadLength"/> bytes, which hold the whole header section of any
    /// message that can be forwarded.
    /// </summary>
    public abstract ReadOnlySequence<byte> Head { get; }

    /// <summary>The key the bytes are already stored under in the raw store, or null when they are not stored yet.</summary>
    public virtual string? StoredKey => null;

    /// <summary>How many bytes <see cref="Head"/> must hold for a message of <paramref name="length"/> bytes.</summary>
    public static long HeadLength(long length) => Math.Min(length, ParsedMessage.MaxHeaderBytes + 2L);

    /// <summary>Wraps a message held in memory.</summary>
    public static MessageSource FromMemory(ReadOnlySequence<byte> data) => new MemoryMessageSource(data);

    /// <summary>Wraps a message held in memory.</summary>
    public static MessageSource FromMemory(ReadOnlyMemory<byte> data) => new MemoryMessageSource(new ReadOnlySequence<byte>(data));

    /// <summary>
    /// Makes the whole message durable in <paramref name="store"/> under <paramref name="key"/> and returns the key it is
    /// stored under; returns only once the bytes are on disk. A source that is already stored returns
    /// <see cref="StoredKey"/> and writes nothing. Called at most once, and only when the message is kept.
    /// </summary>
    public abstract Task<string> StoreAsync(IRawStore store, string key, CancellationToken cancellationToken);

    /// <summary>The whole message when it is in memory (not streamed into the raw store): what a store can write in one go.</summary>
    internal virtual bool TryGetContent(out ReadOnlySequence<byte> content)
    {
        content = default;
        return false;
    }

    /// <summary>Opens the whole message for reading (reports to the bounce and complaints addresses are read, not stored).</summary>
    public abstract Task<Stream> OpenReadAsync(IRawStore store, CancellationToken cancellationToken);

    /// <summary>Reads the whole message into memory (reports are small; the transport has bounded the size).</summary>
    public virtual async Task<ReadOnlyMemory<byte>> ReadAllAsync(IRawStore store, CancellationToken cancellationToken)
    {
        var stream = await OpenReadAsync(store, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new MemoryStream(checked((int)Math.Max(Length, 0)));
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        }
    }
}
