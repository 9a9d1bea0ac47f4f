using MailTumble.Core.Storage;

namespace MailTumble.Files;

/// <summary>
/// A message file written as the message arrives: the file is created at once under its final name, appended to
/// without buffering, and fsynced (with its directory entry) on commit. Disposed uncommitted, the file is removed.
/// </summary>
internal sealed class FileRawWriter : IRawWriter
{
    private readonly string _path;
    private readonly FileStream _stream;
    private bool _committed;

    public FileRawWriter(string key, string path)
    {
        Key = key;
        _path = path;
        _stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete, 0, FileOptions.Asynchronous);
    }

    public string Key { get; }

    public long Length { get; private set; }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        await _stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        Length += data.Length;
    }

    public Task<Stream> OpenReadAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<Stream>(new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan));
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (_committed)
        {
            throw new InvalidOperationException($"stored message {Key} is already committed");
        }

        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        _stream.Flush(flushToDisk: true);
        DirectorySync.Flush(Path.GetDirectoryName(_path)!);
        _committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        if (!_committed)
        {
            File.Delete(_path);
        }
    }
}
