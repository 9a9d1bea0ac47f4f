using System.Globalization;
using MailTumble.Core.Queue;
using Microsoft.Extensions.Logging;

namespace MailTumble.Sqlite;

/// <summary>
/// Room kept on the data disk for send-out: <c>space.reserve</c>, a file of real (not sparse) bytes. When a write finds
/// the disk full, the file is deleted so that leasing, acknowledging and retrying can still be written, and sending
/// (which deletes stored messages) frees the disk; meanwhile new mail is refused with <c>452 4.3.1</c>. The condition is
/// marked in <c>space.full</c> (for <c>queue stats</c> in another process) and logged once a minute. Once there is room
/// for the reserve twice over, it is taken back.
/// </summary>
internal sealed partial class DiskReserve : IStorageState
{
    public const string ReserveFileName = "space.reserve";
    public const string MarkerFileName = "space.full";
    private static readonly TimeSpan LogEvery = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(1);
    private readonly string _directory;
    private readonly long _bytes;
    private readonly TimeProvider _time;
    private readonly ILogger<DiskReserve> _logger;
    private readonly Lock _gate = new();
    private volatile bool _full;
    private DateTimeOffset _lastLogged = DateTimeOffset.MinValue;
    private DateTimeOffset _lastChecked = DateTimeOffset.MinValue;

    public DiskReserve(string directory, long bytes, TimeProvider time, ILogger<DiskReserve> logger)
    {
        _directory = Path.GetFullPath(directory);
        _bytes = bytes;
        _time = time;
        _logger = logger;

        // A process that stopped while the disk was full left the mark: start refusing new mail until there is room.
        _full = bytes > 0 && File.Exists(MarkerPath);
    }

    public bool IsFull => _full;

    private string ReservePath => Path.Combine(_directory, ReserveFileName);

    private string MarkerPath => Path.Combine(_directory, MarkerFileName);

    /// <summary>Creates the reserve if it is missing and there is room for it twice over (at <c>serve</c> start).</summary>
    public void Ensure()
    {
        if (_bytes <= 0 || _full)
        {
            return;
        }

        lock (_gate)
        {
            TryCreate();
        }
    }

    /// <summary>
    /// A write found the disk full: releases the reserve if it is still held (true: the write is worth trying again),
    /// and enters the full state.
    /// </summary>
    public bool TryRelease()
    {
        if (_bytes <= 0)
        {
            return false;
        }

        lock (_gate)
        {
            var released = false;
            var free = Free();
            if (File.Exists(ReservePath))
            {
                File.Delete(ReservePath);
                released = true;
            }

            if (!_full)
            {
                _full = true;
                TryMark();
            }

            var now = _time.GetUtcNow();
            if (now - _lastLogged >= LogEvery)
            {
                _lastLogged = now;
                LogFull(_directory, free, released ? $"released the {Megabytes(_bytes)} reserve so that send-out goes on" : "the reserve is spent too, send-out is waiting for room");
            }

            return released;
        }
    }

    /// <summary>While full, at most once a second: takes the reserve back when there is room for it twice over.</summary>
    public void Check()
    {
        if (!_full)
        {
            return;
        }

        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (!_full || now - _lastChecked < CheckEvery)
            {
                return;
            }

            _lastChecked = now;
            if (TryCreate())
            {
                _full = false;
                File.Delete(MarkerPath);
                LogRecovered(_directory, Free());
            }
        }
    }

    private bool TryCreate()
    {
        if (File.Exists(ReservePath) && new FileInfo(ReservePath).Length >= _bytes)
        {
            return true;
        }

        if (Free() < 2 * _bytes)
        {
            return false;
        }

        var temporary = ReservePath + ".new";
        try
        {
            // Written, not SetLength: a sparse file reserves nothing.
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1))
            {
                var block = new byte[64 * 1024];
                for (long written = 0; written < _bytes; written += block.Length)
                {
                    stream.Write(block, 0, (int)Math.Min(block.Length, _bytes - written));
                }

                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, ReservePath, overwrite: true);
            return true;
        }
        catch (IOException)
        {
            File.Delete(temporary);
            return false;
        }
    }

    private void TryMark()
    {
        try
        {
            File.WriteAllText(MarkerPath, _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture) + "\n");
        }
        catch (IOException)
        {
            // Only queue stats in another process reads it; this process knows.
        }
    }

    private long Free() => new DriveInfo(_directory).AvailableFreeSpace;

    internal static string Megabytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MB");

    [LoggerMessage(EventId = 4010, Level = LogLevel.Error, Message = "The data disk under {Directory} is full ({Free} bytes free): {Action}; new mail gets 452 4.3.1 until there is room again")]
    private partial void LogFull(string directory, long free, string action);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Warning, Message = "The data disk under {Directory} has room again ({Free} bytes free): the reserve is back, new mail is accepted")]
    private partial void LogRecovered(string directory, long free);
}
