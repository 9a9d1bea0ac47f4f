namespace MailTumble.Sqlite;

/// <summary>Another <c>serve</c> holds the lock on the data directory, so this one must not start.</summary>
public sealed class DataDirectoryInUseException : IOException
{
    /// <summary>Creates the exception for <paramref name="directory"/>.</summary>
    public DataDirectoryInUseException(string directory, string lockFile, Exception? inner = null)
        : base($"another mailtumble serve owns the data directory {directory} (it holds the lock on {lockFile}); stop it first, or give this one its own MailTumble:DataDir", inner)
    {
        Directory = directory;
    }

    /// <summary>Creates the exception with a message of its own.</summary>
    public DataDirectoryInUseException()
        : base("another mailtumble serve owns the data directory")
    {
        Directory = string.Empty;
    }

    /// <summary>Creates the exception with a message of its own.</summary>
    public DataDirectoryInUseException(string message)
        : base(message)
    {
        Directory = string.Empty;
    }

    /// <summary>Creates the exception with a message of its own.</summary>
    public DataDirectoryInUseException(string message, Exception inner)
        : base(message, inner)
    {
        Directory = string.Empty;
    }

    /// <summary>The data directory that is in use.</summary>
    public string Directory { get; }
}
