namespace MailTumble.Core.Storage;

/// <summary>
/// Port: one message being written into the raw store while it arrives (SMTP DATA streamed to disk), so the relay never
/// holds a whole message in memory. Bytes are appended with <see cref="WriteAsync"/>; <see cref="CommitAsync"/> makes
/// them durable under <see cref="Key"/>. Disposing a writer that was not committed removes what it wrote: an unfinished
/// write is the store's own leftover, not a stored message.
/// </summary>
public interface IRawWriter : IAsyncDisposable
{
    /// <summary>The key the bytes are stored under.</summary>
    string Key { get; }

    /// <summary>Bytes written so far.</summary>
    long Length { get; }

    /// <summary>Appends bytes (the caller may reuse <paramref name="data"/> once this completes).</summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Opens what has been written so far for reading (a report is read without being kept).</summary>
    Task<Stream> OpenReadAsync(CancellationToken cancellationToken);

    /// <summary>Makes the written bytes durable under <see cref="Key"/>; returns only once they are on disk. Called at most once.</summary>
    Task CommitAsync(CancellationToken cancellationToken);
}
