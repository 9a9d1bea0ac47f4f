using System.Diagnostics;
using MailTumble.Testing;

namespace MailTumble.Tests;

/// <summary>A tmpfs of a few megabytes mounted for one test (needs root, as in CI), to fill a data disk for real.</summary>
internal sealed class SmallDisk : IDisposable
{
    private readonly TempDirectory _mountPoint;
    private readonly string _filler;

    private SmallDisk(TempDirectory mountPoint)
    {
        _mountPoint = mountPoint;
        _filler = System.IO.Path.Combine(mountPoint.Path, "filler");
    }

    public string Path => _mountPoint.Path;

    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    /// <summary>Mounts a tmpfs of <paramref name="megabytes"/>, or returns null and why it could not.</summary>
    public static SmallDisk? TryMount(int megabytes, out string reason)
    {
        var dir = new TempDirectory();
        var (code, text) = Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", dir.Path);
        if (code != 0)
        {
            dir.Dispose();
            reason = $"cannot mount a {megabytes} MB tmpfs (root is needed, as in CI): {text.Trim()}";
            return null;
        }

        reason = string.Empty;
        return new SmallDisk(dir);
    }

    /// <summary>Writes a file until the disk has no room left.</summary>
    public void Fill()
    {
        using var stream = new FileStream(_filler, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 1);
        var block = new byte[4096];
        try
        {
            while (true)
            {
                stream.Write(block);
            }
        }
        catch (IOException)
        {
            // ENOSPC: full.
        }
    }

    /// <summary>Removes what <see cref="Fill"/> wrote.</summary>
    public void Unfill() => File.Delete(_filler);

    public void Dispose()
    {
        Run("umount", "-l", Path);
        _mountPoint.Dispose();
    }

    private static (int Code, string Output) Run(string file, params string[] args)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            var text = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, text);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }
}
