using System.Security.Cryptography;
using System.Text;

namespace MailTumble.Core.Bounces;

/// <summary>Finds a signing key (bounce addresses, reverse aliases): the configured secret, else a random one kept in a file.</summary>
internal static class BounceKey
{
    /// <summary>
    /// Returns the configured key, or reads the key file, creating it with 32 random bytes (owner-only) on first use.
    /// Without either, a random key for this process only (addresses do not survive a restart).
    /// </summary>
    public static byte[] Load(string? configured, string? file, string what = "bounce key")
    {
        if (!string.IsNullOrEmpty(configured))
        {
            return Encoding.UTF8.GetBytes(configured);
        }

        if (string.IsNullOrWhiteSpace(file))
        {
            return RandomNumberGenerator.GetBytes(32);
        }

        if (File.Exists(file))
        {
            var existing = File.ReadAllBytes(file);
            return existing.Length >= 16 ? existing : throw new InvalidDataException($"the {what} file {file} is shorter than 16 bytes; delete it to make a new one");
        }

        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var key = RandomNumberGenerator.GetBytes(32);
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
            // Another process (serve and a CLI command) created it first: use theirs.
            return File.ReadAllBytes(file);
        }
    }
}
