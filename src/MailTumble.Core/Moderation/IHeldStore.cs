namespace MailTumble.Core.Moderation;

/// <summary>
/// Port: held deliveries. An undecided entry keeps its stored message alive (the queue's
/// "no item refers to it any more" answer counts held entries too). Decided entries stay for the record.
/// </summary>
public interface IHeldStore
{
    /// <summary>Stores entries durably; an id already present is left as it is (redelivery after a crash).</summary>
    Task HoldAsync(IReadOnlyList<HeldMessage> messages, CancellationToken cancellationToken);

    /// <summary>One entry by id, decided or not.</summary>
    Task<HeldMessage?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Entries matching the query, oldest first.</summary>
    Task<IReadOnlyList<HeldMessage>> ListAsync(HeldQuery query, CancellationToken cancellationToken);

    /// <summary>Counts undecided entries matching the query.</summary>
    Task<long> CountAsync(HeldQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// Marks the named undecided entries approved (the caller has queued them); returns the ids actually
    /// marked, so an entry decided concurrently is not queued twice by a caller that checks.
    /// </summary>
    Task<IReadOnlyList<string>> MarkApprovedAsync(IReadOnlyCollection<string> ids, HeldDecision decision, CancellationToken cancellationToken);

    /// <summary>Rejects every undecided entry matching the query in one set-based step.</summary>
    Task<RejectResult> RejectAsync(HeldQuery query, HeldDecision decision, CancellationToken cancellationToken);

    /// <summary>Forgets decided entries decided before <paramref name="before"/>; returns how many.</summary>
    Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken);
}
