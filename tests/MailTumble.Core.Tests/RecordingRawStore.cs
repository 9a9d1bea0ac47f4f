using System.Buffers;
using MailTumble.Core.Storage;

namespace MailTumble.Core.Tests;

internal sealed class RecordingRawStore : IRawStore
{
    public HashSet<string> Keys { get; } = [];

    /// <summary>What is stored under each key still there.</summary>
    public Dictionary<string, byte[]> Contents { get; } = [];

    public int Puts { get; private set; }

    public Task PutAsync(string key, ReadOnlySequence<byte> content, CancellationToken cancellationToken)
    {
        Puts++;
        Contents[key] = content.ToArray();
        return Task.FromResult(Keys.Add(key));
    }

    public Task<IRawWriter> CreateAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult<IRawWriter>(new Writer(this, key));

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken) =>
        Contents.TryGetValue(key, out var bytes) ? Task.FromResult<Stream>(new MemoryStream(bytes, writable: false)) : throw new FileNotFoundException(key);

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        Contents.Remove(key);
        return Task.FromResult(Keys.Remove(key));
    }

    /// <summary>Collects the bytes in memory; stored (and counted as a put) on commit.</summary>
    private sealed class Writer(RecordingRawStore store, string key) : IRawWriter
    {
        private readonly MemoryStream _bytes = new();

        public string Key => key;

        public long Length => _bytes.Length;

        public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            _bytes.Write(data.Span);
            return ValueTask.CompletedTask;
        }

        public Task<Stream> OpenReadAsync(CancellationToken cancellationToken) => Task.FromResult<Stream>(new MemoryStream(_bytes.ToArray(), writable: false));

        public Task CommitAsync(CancellationToken cancellationToken) => store.PutAsync(key, new ReadOnlySequence<byte>(_bytes.ToArray()), cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
