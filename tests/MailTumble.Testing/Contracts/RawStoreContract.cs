using System.Buffers;
using MailTumble.Core.Storage;

namespace MailTumble.Testing.Contracts;

/// <summary>What every <see cref="IRawStore"/> adapter must do. Subclass once per adapter.</summary>
public abstract class RawStoreContract
{
    protected abstract IRawStore Store { get; }

    [SkippableFact]
    public async Task Stored_bytes_read_back_exactly_even_from_many_segments()
    {
        var bytes = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray();
        var sequence = Segments(bytes, 4096);
        var key = Guid.NewGuid().ToString("N");
        await Store.PutAsync(key, sequence, default);

        await using var read = await Store.OpenReadAsync(key, default);
        var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.Equal(bytes, copy.ToArray());
    }

    [SkippableFact]
    public async Task Deleted_messages_are_gone_and_deleting_twice_is_fine()
    {
        var key = Guid.NewGuid().ToString("N");
        await Store.PutAsync(key, new ReadOnlySequence<byte>("x"u8.ToArray()), default);
        await Store.DeleteAsync(key, default);
        await Store.DeleteAsync(key, default);
        await Assert.ThrowsAsync<FileNotFoundException>(() => Store.OpenReadAsync(key, default));
    }

    [SkippableFact]
    public async Task A_message_written_in_pieces_is_stored_exactly_once_committed()
    {
        var bytes = Enumerable.Range(0, 700_000).Select(i => (byte)(i * 13)).ToArray();
        var key = Guid.NewGuid().ToString("N");
        await using (var writer = await Store.CreateAsync(key, default))
        {
            for (var offset = 0; offset < bytes.Length; offset += 65_536)
            {
                await writer.WriteAsync(bytes.AsMemory(offset, Math.Min(65_536, bytes.Length - offset)), default);
            }

            Assert.Equal(bytes.Length, writer.Length);
            await using (var early = await writer.OpenReadAsync(default))
            {
                Assert.Equal(bytes, await ReadAllAsync(early));
            }

            await writer.CommitAsync(default);
        }

        await using var read = await Store.OpenReadAsync(key, default);
        Assert.Equal(bytes, await ReadAllAsync(read));
        await Store.DeleteAsync(key, default);
    }

    [SkippableFact]
    public async Task A_writer_disposed_before_its_commit_leaves_nothing()
    {
        var key = Guid.NewGuid().ToString("N");
        await using (var writer = await Store.CreateAsync(key, default))
        {
            await writer.WriteAsync("partial"u8.ToArray(), default);
        }

        await Assert.ThrowsAsync<FileNotFoundException>(() => Store.OpenReadAsync(key, default));
    }

    [SkippableFact]
    public async Task A_missing_message_is_reported_as_missing()
    {
        await Assert.ThrowsAsync<FileNotFoundException>(() => Store.OpenReadAsync(Guid.NewGuid().ToString("N"), default));
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static ReadOnlySequence<byte> Segments(byte[] bytes, int size)
    {
        Segment? first = null;
        Segment? last = null;
        for (var offset = 0; offset < bytes.Length; offset += size)
        {
            var memory = bytes.AsMemory(offset, Math.Min(size, bytes.Length - offset));
            var segment = new Segment(memory, offset);
            if (last is null)
            {
                first = segment;
            }
            else
            {
                last.SetNext(segment);
            }

            last = segment;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long index)
        {
            Memory = memory;
            RunningIndex = index;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
