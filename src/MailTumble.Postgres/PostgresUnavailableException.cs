namespace MailTumble.Postgres;

/// <summary>The family's PostgreSQL cannot be reached or refuses the connection; the message names the setting.</summary>
public sealed class PostgresUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PostgresUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public PostgresUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public PostgresUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
