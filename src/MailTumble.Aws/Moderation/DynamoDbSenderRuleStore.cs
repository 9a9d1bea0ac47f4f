using System.Globalization;
using Amazon.DynamoDBv2.Model;
using MailTumble.Aws.Cluster;
using MailTumble.Core.Moderation;
using Microsoft.Extensions.Options;

namespace MailTumble.Aws.Moderation;

/// <summary>
/// Sender rules, first-contact settings and known senders in the AWS family's state table, shared by every node: rules
/// in partition <c>rules</c>, first-contact settings in <c>first-contact</c> (sort key <c>scope#</c> + alias, or nothing for the global one), the senders an
/// alias knows in <c>known#{alias}</c>. Rules and settings are few and read for every message: each node keeps them in
/// memory for two seconds (a rule set on another node applies here within that) and reloads at once after a change made
/// here. Whether a sender is known is one strongly consistent read.
/// </summary>
internal sealed class DynamoDbSenderRuleStore : ISenderRuleStore
{
    private const string Rules = "rules";
    private const string FirstContact = "first-contact";
    private const string KnownPrefix = "known#";
    private const char Separator = '\u001f';

    // Key values cannot be empty, and the global scope is.
    private const string ScopePrefix = "scope#";
    private readonly DynamoDbStateTable _table;
    private readonly TimeProvider _time;
    private readonly bool _firstContactDefault;
    private readonly SenderRuleCache _cache;

    public DynamoDbSenderRuleStore(DynamoDbStateTable table, TimeProvider time, IOptions<ModerationOptions>? options = null)
    {
        _table = table;
        _time = time;
        _firstContactDefault = options?.Value.FirstContact ?? true;
        _cache = new SenderRuleCache(time, LoadAsync);
    }

    public async Task SetAsync(SenderRule rule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        await _table.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var pattern = SenderPattern.Parse(rule.Pattern);
        var scope = Scope(rule.Alias);
        var item = new Dictionary<string, AttributeValue>(DynamoDbStateTable.Key(Rules, scope + Separator + pattern))
        {
            ["pattern"] = new AttributeValue { S = pattern },
            ["alias"] = new AttributeValue { S = scope },
            ["action"] = new AttributeValue { S = rule.Action.ToString().ToLowerInvariant() },
            ["silent"] = new AttributeValue { BOOL = rule.Silent },
            ["created_at"] = new AttributeValue { N = rule.CreatedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) },
            ["created_by"] = new AttributeValue { S = rule.CreatedBy },
        };
        if (rule.Note is not null)
        {
            item["note"] = new AttributeValue { S = rule.Note };
        }

        await _table.Client.PutItemAsync(new PutItemRequest { TableName = _table.Name, Item = item }, cancellationToken).ConfigureAwait(false);
        _cache.Invalidate();
    }

    public async Task<bool> RemoveAsync(string pattern, string? alias, CancellationToken cancellationToken)
    {
        await _table.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var response = await _table.Client.DeleteItemAsync(
            new DeleteItemRequest
            {
                TableName = _table.Name,
                Key = DynamoDbStateTable.Key(Rules, Scope(alias) + Separator + SenderPattern.Parse(pattern)),
                ReturnValues = Amazon.DynamoDBv2.ReturnValue.ALL_OLD,
            },
            cancellationToken).ConfigureAwait(false);
        _cache.Invalidate();
        return response.Attributes is { Count: > 0 };
    }

    public async Task<IReadOnlyList<SenderRule>> ListAsync(string? alias, CancellationToken cancellationToken)
    {
        var rules = await ReadRulesAsync(cancellationToken).ConfigureAwait(false);
        var scope = alias is null ? null : Scope(alias);
        return rules
            .Where(r => scope is null || r.Alias is null || r.Alias == scope)
            .OrderBy(r => r.Alias ?? string.Empty, StringComparer.Ordinal)
            .ThenBy(r => r.Pattern, StringComparer.Ordinal)
            .ToList();
    }

    public async Task<SenderFacts> GetFactsAsync(string alias, IReadOnlyList<string> senders, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(senders);
        var scope = Scope(alias);
        var snapshot = await _cache.GetAsync(cancellationToken).ConfigureAwait(false);
        var rules = snapshot.RulesFor(scope, senders);
        var firstContact = snapshot.FirstContactFor(scope);

        // Whether the sender is known only matters where first contact may apply; skip the read otherwise.
        var known = false;
        if ((firstContact ?? _firstContactDefault) && senders.Count > 0)
        {
            var response = await _table.Client.GetItemAsync(
                new GetItemRequest { TableName = _table.Name, Key = DynamoDbStateTable.Key(KnownPrefix + scope, Normal(senders[0])), ConsistentRead = true },
                cancellationToken).ConfigureAwait(false);
            known = response.Item is { Count: > 0 };
        }

        return new SenderFacts(rules, firstContact, known);
    }

    public async Task SetFirstContactAsync(string? alias, bool? enabled, CancellationToken cancellationToken)
    {
        await _table.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var key = DynamoDbStateTable.Key(FirstContact, ScopePrefix + Scope(alias));
        if (enabled is null)
        {
            await _table.Client.DeleteItemAsync(new DeleteItemRequest { TableName = _table.Name, Key = key }, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _table.Client.PutItemAsync(
                new PutItemRequest { TableName = _table.Name, Item = new Dictionary<string, AttributeValue>(key) { ["on"] = new AttributeValue { BOOL = enabled.Value } } },
                cancellationToken).ConfigureAwait(false);
        }

        _cache.Invalidate();
    }

    public async Task RememberAsync(IReadOnlyCollection<(string Alias, string Sender)> pairs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0)
        {
            return;
        }

        await _table.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var now = new AttributeValue { N = _time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) };
        var distinct = pairs.Select(p => (Scope(p.Alias), Normal(p.Sender))).Distinct().ToList();
        foreach (var chunk in distinct.Chunk(25))
        {
            var writes = chunk.Select(p => new WriteRequest(new PutRequest(new Dictionary<string, AttributeValue>(DynamoDbStateTable.Key(KnownPrefix + p.Item1, p.Item2)) { ["first_at"] = now }))).ToList();
            var pending = new Dictionary<string, List<WriteRequest>> { [_table.Name] = writes };
            for (var attempt = 0; pending.Count > 0 && pending.Values.Sum(v => v.Count) > 0; attempt++)
            {
                if (attempt > 0)
                {
                    await _table.PauseAsync(TimeSpan.FromMilliseconds(50 * attempt), cancellationToken).ConfigureAwait(false);
                }

                var response = await _table.Client.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = pending }, cancellationToken).ConfigureAwait(false);
                pending = response.UnprocessedItems ?? [];
            }
        }
    }

    private async Task<(IReadOnlyList<SenderRule> Rules, IReadOnlyDictionary<string, bool> FirstContact)> LoadAsync(CancellationToken cancellationToken)
    {
        var rules = await ReadRulesAsync(cancellationToken).ConfigureAwait(false);
        var firstContact = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var item in await QueryAsync(FirstContact, cancellationToken).ConfigureAwait(false))
        {
            firstContact[item[DynamoDbStateTable.Sk].S[ScopePrefix.Length..]] = item["on"].BOOL == true;
        }

        return (rules, firstContact);
    }

    private async Task<List<SenderRule>> ReadRulesAsync(CancellationToken cancellationToken) =>
        (await QueryAsync(Rules, cancellationToken).ConfigureAwait(false)).Select(item => new SenderRule(
            item["pattern"].S,
            item["alias"].S is { Length: > 0 } a ? a : null,
            Enum.Parse<SenderRuleAction>(item["action"].S, ignoreCase: true),
            item.TryGetValue("silent", out var silent) && silent.BOOL == true,
            DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(item["created_at"].N, CultureInfo.InvariantCulture)),
            item["created_by"].S,
            item.TryGetValue("note", out var note) ? note.S : null)).ToList();

    private async Task<List<Dictionary<string, AttributeValue>>> QueryAsync(string partition, CancellationToken cancellationToken)
    {
        await _table.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var request = new QueryRequest
        {
            TableName = _table.Name,
            KeyConditionExpression = "pk = :pk",
            ExpressionAttributeValues = new() { [":pk"] = new AttributeValue { S = partition } },
            ConsistentRead = true,
        };
        var items = new List<Dictionary<string, AttributeValue>>();
        do
        {
            var page = await _table.Client.QueryAsync(request, cancellationToken).ConfigureAwait(false);
            items.AddRange(page.Items ?? []);
            request.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (request.ExclusiveStartKey is not null);
        return items;
    }

    private static string Scope(string? alias) => alias?.Trim().ToLowerInvariant() ?? string.Empty;

    private static string Normal(string sender) => sender.Trim().ToLowerInvariant();
}
