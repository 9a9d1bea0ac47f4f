namespace MailTumble.Core.Storage;

/// <summary>
/// Port: the small secret files Core's key decisions read and make (bounce and reply keys, DKIM keys). Synchronous, as
/// its callers are: service factories and option validators at start, never the mail path.
/// </summary>
public interface IKeyFiles
{
    /// <summary>The file's bytes, or null when there is no such file. Throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> when it cannot be read.</summary>
    byte[]? Read(string file);

    /// <summary>
    /// Creates <paramref name="file"/> (and its folder) holding <paramref name="key"/>, readable by its owner only, and returns the key;
    /// when another process created the file first, returns that file's bytes instead.
    /// </summary>
    byte[] Create(string file, byte[] key);

    /// <summary>The files in <paramref name="folder"/> whose names end with <paramref name="extension"/> (such as <c>.pem</c>); empty when the folder is missing.</summary>
    IReadOnlyList<string> List(string folder, string extension);
}
