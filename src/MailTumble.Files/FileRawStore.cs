using System.Buffers;
using MailTumble.Core.Storage;
using Microsoft.Extensions.Options;

namespace MailTumble.Files;

/// <summary>
/// Original messages as files under 256 fan-out directories. A put returns after the file and its
/// directory entry are fsynced, so the caller may answer 250.
/// </summary>
internal sealed class FileRawStore : IRawStore
{
    private readonly string _root;
    private int _prepared;

    public FileRawStore(IOptions<FileStoreOptions> options)
    {
        _root = Path.GetFullPath(options.Value.RawDirectory);
    }

    public async Task PutAsync(string key, ReadOnlySequence<byte> content, CancellationToken cancellationToken)
    {
        Prepare();
        var path = PathFor(key);
        var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            foreach (var segment in content)
            {
                await stream.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
            }

            stream.Flush(flushToDisk: true);
        }

        DirectorySync.Flush(Path.GetDirectoryName(path)!);
    }

    public Task<IRawWriter> CreateAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Prepare();
        return Task.FromResult<IRawWriter>(new FileRawWriter(key, PathFor(key)));
    }

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = PathFor(key);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"stored message {key} is missing", path);
        }

        return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan));
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            File.Delete(PathFor(key));
        }
        catch (DirectoryNotFoundException)
        {
            // Nothing was ever stored here: a missing key is not an error.
        }

        return Task.CompletedTask;
    }

    private string PathFor(string key)
    {
        if (key.Length < 2 || key.Any(c => !char.IsAsciiLetterOrDigit(c)))
        {
            throw new ArgumentException($"invalid message key '{key}'", nameof(key));
        }

        // Keys start with a timestamp, so fan out on the random end.
        return Path.Combine(_root, key[^2..], key + ".eml");
    }

    private void Prepare()
    {
        if (Volatile.Read(ref _prepared) == 1)
        {
            return;
        }

        Directory.CreateDirectory(_root);
        for (var i = 0; i < 256; i++)
        {
            Directory.CreateDirectory(Path.Combine(_root, i.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        }

        DirectorySync.Flush(_root);
        Volatile.Write(ref _prepared, 1);
    }
}
