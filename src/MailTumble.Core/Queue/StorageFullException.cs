namespace MailTumble.Core.Queue;

/// <summary>A write failed because the storage is full. Reported once a minute by the storage itself, not per attempt.</summary>
public sealed class StorageFullException : IOException
{
    /// <summary>Creates the exception.</summary>
    public StorageFullException()
        : base("the storage is full")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StorageFullException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the storage's own error.</summary>
    public StorageFullException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Whether <paramref name="exception"/> says the disk is full (ours, or the operating system's ENOSPC / ERROR_DISK_FULL).</summary>
    public static bool IsDiskFull(Exception exception) =>
        exception is StorageFullException || (exception is IOException io && (io.HResult == 28 || (io.HResult & 0xFFFF) == 112));
}
