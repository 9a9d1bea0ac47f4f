namespace MailTumble.Core.Aliases;

/// <summary>The alias directory could not answer a domain check (timeout, outage, open circuit): RCPT answers 451.</summary>
public sealed class AliasDirectoryUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AliasDirectoryUnavailableException()
    {
    }

    /// <summary>Creates the exception with its reason.</summary>
    public AliasDirectoryUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its reason and cause.</summary>
    public AliasDirectoryUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
