using MailTumble.Core.Storage;

namespace MailTumble.Files;

/// <summary>The key files on disk: read as they are, created owner-only with <see cref="FileMode.CreateNew"/> and flushed to disk.</summary>
internal sealed class KeyFiles : IKeyFiles
{
    public byte[]? Read(string file) => File.Exists(file) ? File.ReadAllBytes(file) : null;

    public byte[] Create(string file, byte[] key)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var stream = new FileStream(file, options);
            stream.Write(key);
            stream.Flush(flushToDisk: true);
            return key;
        }
        catch (IOException) when (File.Exists(file))
        {
            // Another process created it first: use theirs.
            return File.ReadAllBytes(file);
        }
    }

    public IReadOnlyList<string> List(string folder, string extension) =>
        Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*" + extension).ToList() : [];
}
