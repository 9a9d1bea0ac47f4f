using System.Buffers;

namespace MailTumble.Core.Storage;

/// <summary>Port: stores original message bytes once, by key.</summary>
public interface IRawStore
{
    /// <summary>Writes the bytes durably; returns only once they are on disk.</summary>
    Task PutAsync(string key, ReadOnlySequence<byte> content, CancellationToken cancellationToken);

    /// <summary>
    /// Starts writing a message under <paramref name="key"/> whose bytes arrive in pieces; nothing is stored until the
    /// writer is committed, and disposing it uncommitted leaves nothing behind.
    /// </summary>
    Task<IRawWriter> CreateAsync(string key, CancellationToken cancellationToken);

    /// <summary>Opens the stored bytes for reading. Throws <see cref="FileNotFoundException"/> when missing.</summary>
    Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken);

    /// <summary>Deletes the bytes; a missing key is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);
}
