using System.Collections.Concurrent;
using MailTumble.Aws.Queue;
using MailTumble.Core.Moderation;

namespace MailTumble.Aws.Moderation;

/// <summary>
/// The held store in AWS mode: the entries stay where they are (the local store), and each undecided entry also
/// holds a reference on its stored message in S3, next to the SQS deliveries' references. The last SQS ack then
/// leaves a message alone while an entry still needs it, and a rejected entry releases the message only when no
/// delivery of it is left in any process.
/// </summary>
internal sealed class ReferencedHeldStore(IHeldStore inner, DeliveryReferences references) : IHeldStore
{
    private const string Prefix = "held-";

    public async Task HoldAsync(IReadOnlyList<HeldMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);

        // Reference first: the entry must never exist while its message looks unreferenced.
        await references.AddAsync(messages.Select(m => m.Item with { Id = Prefix + m.Id }).ToList(), cancellationToken).ConfigureAwait(false);
        await inner.HoldAsync(messages, cancellationToken).ConfigureAwait(false);
    }

    public Task<HeldMessage?> GetAsync(string id, CancellationToken cancellationToken) => inner.GetAsync(id, cancellationToken);

    public Task<IReadOnlyList<HeldMessage>> ListAsync(HeldQuery query, CancellationToken cancellationToken) => inner.ListAsync(query, cancellationToken);

    public Task<long> CountAsync(HeldQuery query, CancellationToken cancellationToken) => inner.CountAsync(query, cancellationToken);

    public Task<IReadOnlyList<string>> ClaimForApprovalAsync(IReadOnlyCollection<string> ids, HeldDecision decision, CancellationToken cancellationToken) =>
        inner.ClaimForApprovalAsync(ids, decision, cancellationToken);

    public async Task<IReadOnlyList<string>> MarkApprovedAsync(IReadOnlyCollection<string> ids, HeldDecision decision, CancellationToken cancellationToken)
    {
        var marked = await inner.MarkApprovedAsync(ids, decision, cancellationToken).ConfigureAwait(false);

        // The approved copies are queued by now and hold references of their own.
        await ReleaseAsync(marked, cancellationToken).ConfigureAwait(false);
        return marked;
    }

    public Task<int> ReleaseClaimsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken) => inner.ReleaseClaimsAsync(ids, cancellationToken);

    public Task<int> ReopenStaleClaimsAsync(DateTimeOffset before, CancellationToken cancellationToken) => inner.ReopenStaleClaimsAsync(before, cancellationToken);

    public async Task<RejectResult> RejectAsync(HeldQuery query, HeldDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);

        // The local store only knows local deliveries; which messages are free is S3's answer, per rejected entry.
        var candidates = await inner.ListAsync(query with { Limit = null, IncludeDecided = false }, cancellationToken).ConfigureAwait(false);
        var result = await inner.RejectAsync(query, decision, cancellationToken).ConfigureAwait(false);
        var rejected = new List<string>(candidates.Count);
        foreach (var candidate in candidates)
        {
            if ((await inner.GetAsync(candidate.Id, cancellationToken).ConfigureAwait(false))?.State == HeldState.Rejected)
            {
                rejected.Add(candidate.Id);
            }
        }

        var released = await ReleaseAsync(rejected, cancellationToken).ConfigureAwait(false);
        return result with { ReleasedKeys = released };
    }

    public Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken) => inner.PruneAsync(before, cancellationToken);

    /// <summary>Drops the entries' references; returns the stored messages no delivery or entry needs any more.</summary>
    private async Task<IReadOnlyList<string>> ReleaseAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var released = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var entries = new List<HeldMessage>(ids.Count);
        foreach (var id in ids)
        {
            if (await inner.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                entries.Add(entry);
            }
        }

        await Parallel.ForEachAsync(
            entries,
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (entry, token) =>
            {
                if (await references.RemoveAsync(entry.Item.MessageKey, Prefix + entry.Id, token).ConfigureAwait(false))
                {
                    released[entry.Item.MessageKey] = true;
                }
            }).ConfigureAwait(false);
        return released.Keys.ToList();
    }
}
