namespace MailTumble.Postgres;

/// <summary>What keeps a stored message's bytes: a queued delivery, a dead letter, or held mail not yet decided.</summary>
internal static class PostgresReferences
{
    /// <summary>True while anything refers to the message <c>@key</c>. Run under <see cref="PostgresOutgoingQueue.LockMessageAsync"/>.</summary>
    public const string Sql = """
        SELECT EXISTS (SELECT 1 FROM queue WHERE message_key = @key)
            OR EXISTS (SELECT 1 FROM dead_letters WHERE message_key = @key)
            OR EXISTS (SELECT 1 FROM held WHERE message_key = @key AND state IN ('held', 'approving'))
        """;
}
