namespace MailTumble.Aws.Cluster;

/// <summary>The state table cannot be reached or created; the message names the table, the endpoint and the settings.</summary>
public sealed class DynamoDbUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DynamoDbUnavailableException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public DynamoDbUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DynamoDbUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
