using System.Buffers;
using MailTumble.Core.Storage;

namespace MailTumble.Core.Tests;

internal sealed class RecordingRawStore : IRawStore
{
    public HashSet<string> Keys { get; } = [];

    public int Puts { get; private set; }

    public Task PutAsync(string key, ReadOnlySequence<byte> content, CancellationToken cancellationToken)
    {
        Puts++;
        return Task.FromResult(Keys.Add(key));
    }

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task DeleteAsync(string key, CancellationToken cancellationToken) => Task.FromResult(Keys.Remove(key));
}
