using System.Collections.Concurrent;
using Amazon.DynamoDBv2.Model;
using MailTumble.Aws.Cluster;
using MailTumble.Core.Moderation;

namespace MailTumble.Aws.Moderation;

/// <summary>The decisions: each a conditional write per entry on its state (held → approving → approved, held → rejected).</summary>
internal sealed partial class DynamoDbHeldStore
{
    public Task<IReadOnlyList<string>> ClaimForApprovalAsync(IReadOnlyCollection<string> ids, HeldDecision decision, CancellationToken cancellationToken) =>
        TransitionAsync(ids, HeldState.Held, HeldState.Approving, decision, before: null, cancellationToken);

    public async Task<IReadOnlyList<string>> MarkApprovedAsync(IReadOnlyCollection<string> ids, HeldDecision decision, CancellationToken cancellationToken)
    {
        var marked = await TransitionAsync(ids, HeldState.Approving, HeldState.Approved, decision, before: null, cancellationToken).ConfigureAwait(false);

        // The approved copies are queued by now and hold references of their own.
        await ReleaseAsync(await GetManyAsync(marked, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return marked;
    }

    public async Task<int> ReleaseClaimsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        (await TransitionAsync(ids, HeldState.Approving, HeldState.Held, decision: null, before: null, cancellationToken).ConfigureAwait(false)).Count;

    public async Task<int> ReopenStaleClaimsAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var stale = (await QueryAsync(HeldState.Approving, cancellationToken).ConfigureAwait(false))
            .Where(h => h.Decision is { } d && d.At < before).Select(h => h.Id).ToList();
        return (await TransitionAsync(stale, HeldState.Approving, HeldState.Held, decision: null, before, cancellationToken).ConfigureAwait(false)).Count;
    }

    public async Task<RejectResult> RejectAsync(HeldQuery query, HeldDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(decision);
        var candidates = await ListAsync(query with { Limit = null, IncludeDecided = false }, cancellationToken).ConfigureAwait(false);
        var rejected = (await TransitionAsync(candidates.Select(h => h.Id).ToList(), HeldState.Held, HeldState.Rejected, decision, before: null, cancellationToken).ConfigureAwait(false))
            .ToHashSet(StringComparer.Ordinal);
        var released = await ReleaseAsync(candidates.Where(h => rejected.Contains(h.Id)).ToList(), cancellationToken).ConfigureAwait(false);
        return new RejectResult(rejected.Count, released);
    }

    public async Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        // Approved and rejected are final, so deleting them needs no condition.
        var old = (await QueryAsync(state: null, cancellationToken).ConfigureAwait(false))
            .Where(h => h.State is HeldState.Approved or HeldState.Rejected && h.Decision!.At < before).ToList();
        await WriteAsync(old.Select(h => new WriteRequest(new DeleteRequest(DynamoDbStateTable.Key(HeldItems.Partition, h.Id)))), cancellationToken).ConfigureAwait(false);
        return old.Count;
    }

    /// <summary>
    /// Moves the entries in state <paramref name="from"/> to <paramref name="to"/>, one conditional write each (only an
    /// entry still in <paramref name="from"/>, and decided before <paramref name="before"/> when given, moves); returns the
    /// ids moved. A decision is recorded with the move, or the old one removed when there is none.
    /// </summary>
    private async Task<IReadOnlyList<string>> TransitionAsync(
        IReadOnlyCollection<string> ids, HeldState from, HeldState to, HeldDecision? decision, DateTimeOffset? before, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        await _table.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var names = new Dictionary<string, string> { ["#state"] = HeldItems.State };
        var values = new Dictionary<string, AttributeValue>
        {
            [":from"] = new AttributeValue { S = HeldItems.Name(from) },
            [":to"] = new AttributeValue { S = HeldItems.Name(to) },
        };
        var condition = "#state = :from";
        if (before is { } limit)
        {
            condition += " AND decided_at < :before";
            values[":before"] = HeldItems.Number(limit.ToUnixTimeMilliseconds());
        }

        // Empty texts are left out, as when held.
        var set = new List<string> { "#state = :to" };
        var remove = new List<string>();
        if (decision is not null)
        {
            values[":at"] = HeldItems.Number(decision.At.ToUnixTimeMilliseconds());
            set.Add($"{HeldItems.DecidedAt} = :at");
        }
        else
        {
            remove.Add(HeldItems.DecidedAt);
        }

        foreach (var (attribute, placeholder, text) in new[] { (HeldItems.DecidedBy, ":by", decision?.By), (HeldItems.DecisionReason, ":reason", decision?.Reason) })
        {
            if (string.IsNullOrEmpty(text))
            {
                remove.Add(attribute);
            }
            else
            {
                values[placeholder] = new AttributeValue { S = text };
                set.Add($"{attribute} = {placeholder}");
            }
        }

        var update = "SET " + string.Join(", ", set) + (remove.Count > 0 ? " REMOVE " + string.Join(", ", remove) : string.Empty);
        var moved = new ConcurrentBag<string>();
        await ForEachAsync(ids.Distinct(StringComparer.Ordinal), async (id, token) =>
        {
            try
            {
                await _table.Client.UpdateItemAsync(
                    new UpdateItemRequest
                    {
                        TableName = _table.Name,
                        Key = DynamoDbStateTable.Key(HeldItems.Partition, id),
                        ConditionExpression = condition,
                        UpdateExpression = update,
                        ExpressionAttributeNames = names,
                        ExpressionAttributeValues = values,
                    },
                    token).ConfigureAwait(false);
                moved.Add(id);
            }
            catch (ConditionalCheckFailedException)
            {
                // Decided (or claimed) elsewhere, or no such entry.
            }
        }, cancellationToken).ConfigureAwait(false);
        return moved.ToList();
    }

    /// <summary>Drops the entries' references; returns the stored messages no delivery or entry needs any more.</summary>
    private Task<IReadOnlyList<string>> ReleaseAsync(IReadOnlyCollection<HeldMessage> entries, CancellationToken cancellationToken) =>
        entries.Count == 0
            ? Task.FromResult<IReadOnlyList<string>>([])
            : _references.RemoveManyAsync(entries.Select(e => (e.Item.MessageKey, ReferencePrefix + e.Id)).ToList(), cancellationToken);
}
