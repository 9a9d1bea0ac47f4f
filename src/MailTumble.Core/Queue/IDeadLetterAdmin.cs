namespace MailTumble.Core.Queue;

/// <summary>Port: operator access to single dead letters and clean-up of old ones.</summary>
public interface IDeadLetterAdmin
{
    /// <summary>One dead letter by delivery id, or null.</summary>
    Task<DeadLetter?> GetDeadAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes dead letters that died before <paramref name="olderThan"/>; returns how many, and the
    /// message keys no delivery refers to any more (their stored bytes can go).
    /// </summary>
    Task<(int Purged, IReadOnlyList<string> ReleasedMessages)> PurgeDeadAsync(DateTimeOffset olderThan, CancellationToken cancellationToken);
}
