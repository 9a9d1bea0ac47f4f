namespace MailTumble.Core.Aliases;

/// <summary>Port: changes a writable alias directory.</summary>
public interface IAliasAdmin
{
    /// <summary>
    /// Creates or updates an alias with one target or several (normalized, see <see cref="AliasTargets.Normalize"/>);
    /// targets kept keep their feedback counts. Returns true when the alias was created.
    /// </summary>
    Task<bool> UpsertAsync(string address, IReadOnlyList<string> targets, CancellationToken cancellationToken);

    /// <summary>Removes an alias; returns false when there was none.</summary>
    Task<bool> RemoveAsync(string address, CancellationToken cancellationToken);

    /// <summary>Sets an alias's status; returns false when there is no such alias.</summary>
    Task<bool> SetStatusAsync(string address, AliasStatus status, CancellationToken cancellationToken);

    /// <summary>
    /// Switches a disabled alias back on: a stored status of <see cref="AliasStatus.Disabled"/> becomes
    /// <see cref="AliasStatus.Active"/>, any other status stays. Returns false when there is no such alias or it was not disabled.
    /// </summary>
    Task<bool> EnableAsync(string address, CancellationToken cancellationToken);

    /// <summary>
    /// Sets an alias's note and display name (checked, see <see cref="AliasLabels.Checked"/>): a null leaves that value as
    /// it is, an empty string clears it. Returns false when there is no such alias.
    /// </summary>
    Task<bool> SetLabelsAsync(string address, AliasLabels labels, CancellationToken cancellationToken);

    /// <summary>Lists aliases in address order, starting after <paramref name="after"/>.</summary>
    Task<IReadOnlyList<AliasRecord>> ListAsync(string? prefix, string? after, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Counts one feedback event about <paramref name="target"/> and applies its consequence: for an alias with one
    /// target (or an unknown <paramref name="target"/>) on the alias (<see cref="AliasRules.AfterFeedback"/>), for an alias
    /// with several on that target alone (<see cref="TargetState.IsDead"/>). Returns false when there is no such alias.
    /// </summary>
    Task<bool> RecordFeedbackAsync(string address, string? target, FeedbackKind kind, CancellationToken cancellationToken);

    /// <summary>
    /// Creates or updates many aliases in large transactions; reports progress in rows. A row's target may be a
    /// comma-separated list (<see cref="AliasTargets.Parse"/>); its display name, note and switch are applied when given
    /// (<see cref="AliasImportRow.Parse"/>).
    /// </summary>
    Task<int> ImportAsync(IAsyncEnumerable<AliasImportLine> rows, IProgress<int>? progress, CancellationToken cancellationToken);
}
