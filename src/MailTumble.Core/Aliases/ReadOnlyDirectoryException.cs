namespace MailTumble.Core.Aliases;

/// <summary>Thrown by an alias directory that cannot be changed through MailTumble (a map file, a remote API).</summary>
public sealed class ReadOnlyDirectoryException : NotSupportedException
{
    /// <summary>Creates the exception.</summary>
    public ReadOnlyDirectoryException()
        : base("the alias directory is read-only")
    {
    }

    /// <summary>Creates the exception with a message naming the driver.</summary>
    public ReadOnlyDirectoryException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ReadOnlyDirectoryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
