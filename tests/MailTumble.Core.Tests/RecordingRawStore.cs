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

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken) =>
        Contents.TryGetValue(key, out var bytes) ? Task.FromResult<Stream>(new MemoryStream(bytes, writable: false)) : throw new FileNotFoundException(key);

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        Contents.Remove(key);
        return Task.FromResult(Keys.Remove(key));
    }
}
