using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MailTumble.Sqlite;

/// <summary>
/// Makes this process the one <c>serve</c> of the embedded data directory: an exclusive lock on <c>serve.lock</c>
/// (an advisory lock the kernel drops when the process dies, however it dies), then, since no other send-out can be
/// running, every lease left in the queue belongs to a dead process and is released at once. Without this, what a
/// crashed process had in flight waited the whole <c>LeaseTime</c> (5 minutes by default) before going out again.
/// Registered before every other hosted service, so nothing listens or leases before the lock is held.
/// </summary>
internal sealed partial class DataDirectoryOwner(string dataDir, SqliteOutgoingQueue queue, DiskReserve reserve, ILogger<DataDirectoryOwner> logger) : IHostedService, IDisposable
{
    public const string LockFileName = "serve.lock";
    private FileStream? _lock;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var directory = Path.GetFullPath(dataDir);
        var path = Path.Combine(directory, LockFileName);
        try
        {
            // FileShare.None is flock(LOCK_EX | LOCK_NB) on Linux: it fails at once while another process holds it.
            _lock = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new DataDirectoryInUseException(directory, path, ex);
        }

        // The owner's pid, for an operator looking at the directory (the lock, not the text, is what counts).
        _lock.SetLength(0);
        var pid = System.Text.Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n");
        await _lock.WriteAsync(pid, cancellationToken).ConfigureAwait(false);
        await _lock.FlushAsync(cancellationToken).ConfigureAwait(false);

        reserve.Ensure();
        var released = await queue.ReleaseAllLeasesAsync(cancellationToken).ConfigureAwait(false);
        if (released > 0)
        {
            LogReleased(released, directory);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        _lock?.Dispose();
        _lock = null;
    }

    [LoggerMessage(EventId = 4000, Level = LogLevel.Warning, Message = "{Count} deliveries were in flight in {Directory} when its previous serve stopped without finishing them; they are due again now")]
    private partial void LogReleased(int count, string directory);
}
