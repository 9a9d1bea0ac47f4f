namespace MailTumble.Core.Directory;

/// <summary>Port: changes a writable alias directory.</summary>
public interface IAliasAdmin
{
    /// <summary>Creates or updates an alias; returns true when it was created.</summary>
    Task<bool> UpsertAsync(string address, string target, CancellationToken cancellationToken);

    /// <summary>Removes an alias; returns false when there was none.</summary>
    Task<bool> RemoveAsync(string address, CancellationToken cancellationToken);

    /// <summary>Sets an alias's status; returns false when there is no such alias.</summary>
    Task<bool> SetStatusAsync(string address, AliasStatus status, CancellationToken cancellationToken);

    /// <summary>Lists aliases in address order, starting after <paramref name="after"/>.</summary>
    Task<IReadOnlyList<AliasRecord>> ListAsync(string? prefix, string? after, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Counts one feedback event and applies its consequence (<see cref="AliasRules.AfterFeedback"/>);
    /// returns false when there is no such alias.
    /// </summary>
    Task<bool> RecordFeedbackAsync(string address, FeedbackKind kind, CancellationToken cancellationToken);

    /// <summary>Creates or updates many aliases in large transactions; reports progress in rows.</summary>
    Task<int> ImportAsync(IAsyncEnumerable<(string Address, string Target)> rows, IProgress<int>? progress, CancellationToken cancellationToken);
}
