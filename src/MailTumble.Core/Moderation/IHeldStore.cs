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
    /// Claims the named undecided entries for approval in one conditional step (held → approving, with the
    /// decision recorded); returns the ids actually claimed. Only the claimed ones may be queued: an entry
    /// rejected or claimed concurrently is not returned, and a reject no longer takes a claimed entry.
    /// </summary>
    Task<IReadOnlyList<string>> ClaimForApprovalAsync(IReadOnlyCollection<string> ids, HeldDecision decision, CancellationToken cancellationToken);

    /// <summary>Marks claimed entries approved (the caller has queued them); returns the ids marked.</summary>
    Task<IReadOnlyList<string>> MarkApprovedAsync(IReadOnlyCollection<string> ids, HeldDecision decision, CancellationToken cancellationToken);

    /// <summary>Hands claimed entries back undecided (queueing them failed); returns how many.</summary>
    Task<int> ReleaseClaimsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken);

    /// <summary>
    /// Hands claims older than <paramref name="before"/> back undecided: the approving process stopped between
    /// claiming and marking, so an operator (or expiry) decides again. Returns how many.
    /// </summary>
    Task<int> ReopenStaleClaimsAsync(DateTimeOffset before, CancellationToken cancellationToken);

    /// <summary>Rejects every undecided (not claimed) entry matching the query in one set-based step.</summary>
    Task<RejectResult> RejectAsync(HeldQuery query, HeldDecision decision, CancellationToken cancellationToken);

    /// <summary>Forgets decided entries decided before <paramref name="before"/>; returns how many.</summary>
    Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken);
}
