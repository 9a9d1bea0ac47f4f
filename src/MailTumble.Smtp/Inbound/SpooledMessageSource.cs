using System.Buffers;
using MailTumble.Core.Receiving;
using MailTumble.Core.Storage;

namespace MailTumble.Smtp.Inbound;

/// <summary>
/// A message that was streamed into the raw store while DATA arrived: the intake parses <see cref="Head"/> and, when it
/// keeps the message, <see cref="StoreAsync"/> only commits (fsyncs) what is already written. Not committed, the bytes
/// are released by the intake and removed with the writer.
/// </summary>
internal sealed class SpooledMessageSource(IRawWriter writer, ReadOnlySequence<byte> head) : MessageSource
{
    public override long Length => writer.Length;

    public override ReadOnlySequence<byte> Head => head.Slice(0, HeadLength(writer.Length));

    public override string? StoredKey => writer.Key;

    public override async Task<string> StoreAsync(IRawStore store, string key, CancellationToken cancellationToken)
    {
        if (!string.Equals(key, writer.Key, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the message is being stored as {writer.Key}, not {key}");
        }

        await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
        return key;
    }

    public override Task<Stream> OpenReadAsync(IRawStore store, CancellationToken cancellationToken) => writer.OpenReadAsync(cancellationToken);
}
