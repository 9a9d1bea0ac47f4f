using System.Buffers;
using MailTumble.Core.Storage;

namespace MailTumble.Core.Receiving;

/// <summary>A message whose bytes are in memory: stored by writing the buffer once.</summary>
internal sealed class MemoryMessageSource(ReadOnlySequence<byte> data) : MessageSource
{
    public override long Length => data.Length;

    public override ReadOnlySequence<byte> Head => data.Slice(0, HeadLength(data.Length));

    public override async Task<string> StoreAsync(IRawStore store, string key, CancellationToken cancellationToken)
    {
        await store.PutAsync(key, data, cancellationToken).ConfigureAwait(false);
        return key;
    }

    internal override bool TryGetContent(out ReadOnlySequence<byte> content)
    {
        content = data;
        return true;
    }

    public override Task<Stream> OpenReadAsync(IRawStore store, CancellationToken cancellationToken) =>
        Task.FromResult<Stream>(new MemoryStream(data.ToArray(), writable: false));

    public override Task<ReadOnlyMemory<byte>> ReadAllAsync(IRawStore store, CancellationToken cancellationToken) =>
        Task.FromResult<ReadOnlyMemory<byte>>(data.IsSingleSegment ? data.First : data.ToArray());
}
