using System.Security.Cryptography;
using System.Text;
using MailTumble.Core.Storage;

namespace MailTumble.Core.Bounces;

/// <summary>Finds a signing key (bounce addresses, reverse aliases): the configured secret, else a random one kept in a file.</summary>
internal static class BounceKey
{
    /// <summary>
    /// Returns the configured key, or reads the key file, creating it with 32 random bytes (owner-only) on first use.
    /// Without either, a random key for this process only (addresses do not survive a restart).
    /// </summary>
    public static byte[] Load(string? configured, string? file, IKeyFiles files, string what = "bounce key")
    {
        if (!string.IsNullOrEmpty(configured))
        {
            return Encoding.UTF8.GetBytes(configured);
        }

        if (string.IsNullOrWhiteSpace(file))
        {
            return RandomNumberGenerator.GetBytes(32);
        }

        if (files.Read(file) is { } existing)
        {
            return existing.Length >= 16 ? existing : throw new InvalidDataException($"the {what} file {file} is shorter than 16 bytes; delete it to make a new one");
        }

        // Another process (serve and a CLI command) may create it first: then theirs is used.
        return files.Create(file, RandomNumberGenerator.GetBytes(32));
    }
}
