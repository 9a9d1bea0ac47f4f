using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using MailTumble.Core.Addressing;
using MailTumble.Core.Aliases;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Aws;

/// <summary>
/// The <c>dynamodb</c> alias directory over the original API's table: key <c>alias</c>, target in <c>email</c>,
/// <c>count_bounce</c>, <c>count_complaint</c>, <c>count_delivery</c>, <c>optout</c>, plus MailTumble's
/// optional <c>status</c>, <c>domain</c>, <c>targets</c>, <c>note</c> and <c>display_name</c> (attributes an item
/// without them simply lacks: nothing to migrate).
/// </summary>
internal sealed partial class DynamoDbAliasDirectory : IAliasDirectory, IAliasAdmin, IDisposable
{
    private readonly IAmazonDynamoDB _client;
    private readonly DynamoDbDirectoryOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DynamoDbAliasDirectory> _logger;
    private readonly SemaphoreSlim _tableGate = new(1, 1);
    private readonly string _table;
    private volatile bool _tableReady;

    public DynamoDbAliasDirectory(IAmazonDynamoDB client, IOptions<DynamoDbDirectoryOptions> options, TimeProvider time, ILogger<DynamoDbAliasDirectory> logger)
    {
        _client = client;
        _options = options.Value;
        _table = _options.Table!;
        _time = time;
        _logger = logger;
        _tableReady = !_options.CreateTable;
    }

    public async ValueTask<LookupResult> LookupAsync(string address, CancellationToken cancellationToken)
    {
        if (!AliasKey.TryParse(address, out var parsed))
        {
            return LookupResult.NotFound;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            await EnsureTableAsync(timeout.Token).ConfigureAwait(false);
            var response = await _client.GetItemAsync(new GetItemRequest { TableName = _table, Key = Key(parsed.Value) }, timeout.Token).ConfigureAwait(false);
            return response.Item is { Count: > 0 } item ? Read(item, parsed.Value) : LookupResult.NotFound;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogFailure(_logger, parsed.Value, "timeout");
            return LookupResult.TemporaryFailure($"dynamodb: no answer within {_options.Timeout.TotalSeconds:0.###} s");
        }
        catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException or HttpRequestException or IOException)
        {
            // A missing table is a configuration error, not "no such alias": mail waits instead of bouncing.
            LogFailure(_logger, parsed.Value, ex.Message);
            return LookupResult.TemporaryFailure("dynamodb: " + ex.Message);
        }
    }

    /// <summary>The table has no domain index, so every domain is ours and the lookup decides (set <c>MailTumble:Domains</c> to be strict).</summary>
    public ValueTask<bool> HasDomainAsync(string domain, CancellationToken cancellationToken) => ValueTask.FromResult(true);

    public async Task<bool> UpsertAsync(string address, IReadOnlyList<string> targets, CancellationToken cancellationToken)
    {
        var alias = AliasKey.Parse(address);
        var to = AliasTargets.Normalize(targets);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        // Only an alias with several targets has per-target counts worth keeping.
        var current = to.Count > 1 ? States(await GetAsync(alias.Value, cancellationToken).ConfigureAwait(false)) : null;
        var states = AliasTargets.Encode(AliasTargets.Retarget(current ?? [], to));
        var values = new Dictionary<string, AttributeValue>
        {
            [":email"] = new AttributeValue { S = to[0] },
            [":domain"] = new AttributeValue { S = alias.Domain },
            [":now"] = Number(_time.GetUtcNow().ToUnixTimeMilliseconds()),
            [":active"] = new AttributeValue { S = AliasRules.Format(AliasStatus.Active) },
            [":zero"] = Number(0),
            [":no"] = new AttributeValue { BOOL = false },
        };
        if (states is not null)
        {
            values[":targets"] = new AttributeValue { S = states };
        }

        var response = await _client.UpdateItemAsync(
            new UpdateItemRequest
            {
                TableName = _table,
                Key = Key(alias.Value),
                UpdateExpression = (states is null ? string.Empty : "SET targets = :targets, ") + (states is null ? "SET " : string.Empty) + "email = :email, #domain = :domain, updated_at = :now, #status = if_not_exists(#status, :active), "
                    + "count_bounce = if_not_exists(count_bounce, :zero), count_complaint = if_not_exists(count_complaint, :zero), "
                    + "count_delivery = if_not_exists(count_delivery, :zero), optout = if_not_exists(optout, :no)"
                    + (states is null ? " REMOVE targets" : string.Empty),
                ExpressionAttributeNames = new() { ["#domain"] = "domain", ["#status"] = "status" },
                ExpressionAttributeValues = values,
                ReturnValues = ReturnValue.UPDATED_OLD,
            },
            cancellationToken).ConfigureAwait(false);
        return response.Attributes is not { Count: > 0 };
    }

    public async Task<bool> RemoveAsync(string address, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var response = await _client.DeleteItemAsync(new DeleteItemRequest { TableName = _table, Key = Key(Normal(address)), ReturnValues = ReturnValue.ALL_OLD }, cancellationToken).ConfigureAwait(false);
        return response.Attributes is { Count: > 0 };
    }

    public async Task<bool> SetStatusAsync(string address, AliasStatus status, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        return await UpdateExistingAsync(
            Normal(address),
            "SET #status = :status, updated_at = :now",
            new() { [":status"] = new AttributeValue { S = AliasRules.Format(status) }, [":now"] = Number(_time.GetUtcNow().ToUnixTimeMilliseconds()) },
            cancellationToken).ConfigureAwait(false) is not null;
    }

    public async Task<bool> EnableAsync(string address, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Any stored status that reads as disabled (AliasRules.ParseStatus) is switched on; held and dead stay.
            await _client.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = _table,
                    Key = Key(Normal(address)),
                    UpdateExpression = "SET #status = :active, updated_at = :now",
                    ConditionExpression = "attribute_exists(alias) AND attribute_exists(#status) AND NOT (#status IN (:active, :held, :dead))",
                    ExpressionAttributeNames = new() { ["#status"] = "status" },
                    ExpressionAttributeValues = new()
                    {
                        [":active"] = new AttributeValue { S = AliasRules.Format(AliasStatus.Active) },
                        [":held"] = new AttributeValue { S = AliasRules.Format(AliasStatus.Held) },
                        [":dead"] = new AttributeValue { S = AliasRules.Format(AliasStatus.Dead) },
                        [":now"] = Number(_time.GetUtcNow().ToUnixTimeMilliseconds()),
                    },
                },
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task<bool> SetLabelsAsync(string address, AliasLabels labels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var checkedLabels = labels.Checked();
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var set = new List<string> { "updated_at = :now" };
        var remove = new List<string>();
        var values = new Dictionary<string, AttributeValue> { [":now"] = Number(_time.GetUtcNow().ToUnixTimeMilliseconds()) };
        var names = new Dictionary<string, string>();
        foreach (var (attribute, value) in (ReadOnlySpan<(string, string?)>)[("note", checkedLabels.Note), ("display_name", checkedLabels.DisplayName)])
        {
            if (value is null)
            {
                continue;
            }

            names["#" + attribute] = attribute;
            if (value.Length == 0)
            {
                remove.Add("#" + attribute);
            }
            else
            {
                set.Add($"#{attribute} = :{attribute}");
                values[":" + attribute] = new AttributeValue { S = value };
            }
        }

        var expression = "SET " + string.Join(", ", set) + (remove.Count > 0 ? " REMOVE " + string.Join(", ", remove) : string.Empty);
        return await UpdateExistingAsync(Normal(address), expression, values, cancellationToken, names.Count > 0 ? names : null).ConfigureAwait(false) is not null;
    }

    public async Task<bool> RecordFeedbackAsync(string address, string? target, FeedbackKind kind, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var counter = kind switch
        {
            FeedbackKind.Bounce => "count_bounce",
            FeedbackKind.Complaint => "count_complaint",
            _ => "count_delivery",
        };
        if (target is not null && await RecordTargetFeedbackAsync(Normal(address), target, kind, counter, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        // ADD is atomic, so concurrent reports cannot lose a count; the new values decide the status.
        var item = await UpdateExistingAsync(
            Normal(address),
            $"ADD {counter} :one SET updated_at = :now",
            new() { [":one"] = Number(1), [":now"] = Number(_time.GetUtcNow().ToUnixTimeMilliseconds()) },
            cancellationToken).ConfigureAwait(false);
        if (item is null)
        {
            return false;
        }

        var current = AliasRules.ParseStatus(Text(item, "status"));
        var next = AliasRules.AfterFeedback(current, kind, Int(item, "count_bounce"), _options.BounceLimit);
        if (next != current)
        {
            await SetStatusAsync(address, next, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>
    /// An alias with several targets counts the event on the target too: the new state is written only if nobody changed
    /// it since it was read (tried again otherwise), so concurrent reports cannot lose a count. False when the alias has
    /// one target or no such target, counted on the alias.
    /// </summary>
    private async Task<bool> RecordTargetFeedbackAsync(string address, string target, FeedbackKind kind, string counter, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var item = await GetAsync(address, cancellationToken).ConfigureAwait(false);
            if (States(item) is not { Count: > 1 } current || AliasTargets.Record(current, target, kind) is not { } next)
            {
                return false;
            }

            try
            {
                await _client.UpdateItemAsync(
                    new UpdateItemRequest
                    {
                        TableName = _table,
                        Key = Key(address),
                        UpdateExpression = $"SET targets = :next, updated_at = :now ADD {counter} :one",
                        ConditionExpression = "targets = :old",
                        ExpressionAttributeValues = new()
                        {
                            [":next"] = new AttributeValue { S = AliasTargets.Encode(next) },
                            [":old"] = item!["targets"],
                            [":one"] = Number(1),
                            [":now"] = Number(_time.GetUtcNow().ToUnixTimeMilliseconds()),
                        },
                    },
                    cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (ConditionalCheckFailedException)
            {
                // Another report (or an edit) came first: read again.
            }
        }

        throw new TimeoutException($"dynamodb: the targets of {address} kept changing while a report was counted");
    }

    private async Task<Dictionary<string, AttributeValue>?> GetAsync(string address, CancellationToken cancellationToken)
    {
        var response = await _client.GetItemAsync(new GetItemRequest { TableName = _table, Key = Key(address), ConsistentRead = true }, cancellationToken).ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? item : null;
    }

    /// <summary>The item's targets with their counts (one target: the item's own); null when there is no item.</summary>
    private static IReadOnlyList<TargetState>? States(Dictionary<string, AttributeValue>? item)
    {
        if (item is null)
        {
            return null;
        }

        var states = AliasTargets.Decode(Text(item, "targets"));
        return states.Count > 1 ? states
            : [new TargetState((Text(item, "email") ?? string.Empty).Trim().ToLowerInvariant(), Int(item, "count_bounce"), Int(item, "count_complaint"), Int(item, "count_delivery"))];
    }

    /// <summary>DynamoDB cannot scan in key order: this reads every matching item and sorts. Meant for admin use, not hot paths.</summary>
    public async Task<IReadOnlyList<AliasRecord>> ListAsync(string? prefix, string? after, int limit, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var all = new List<AliasRecord>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var response = await _client.ScanAsync(
                new ScanRequest
                {
                    TableName = _table,
                    FilterExpression = "begins_with(alias, :prefix) AND alias > :after",
                    ExpressionAttributeValues = new()
                    {
                        [":prefix"] = new AttributeValue { S = prefix?.ToLowerInvariant() ?? string.Empty },
                        [":after"] = new AttributeValue { S = after?.ToLowerInvariant() ?? string.Empty },
                    },
                    ExclusiveStartKey = start,
                },
                cancellationToken).ConfigureAwait(false);
            foreach (var item in response.Items ?? [])
            {
                if (Read(item, Text(item, "alias") ?? string.Empty) is { Alias: { } alias })
                {
                    all.Add(alias);
                }
            }

            start = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        return all.OrderBy(a => a.Address, StringComparer.Ordinal).Take(limit).ToList();
    }

    public async Task<int> ImportAsync(IAsyncEnumerable<AliasImportLine> rows, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var total = 0;
        await foreach (var line in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var row = AliasImportRow.Parse(total + 1, line);
            await UpsertAsync(row.Alias.Value, row.Targets, cancellationToken).ConfigureAwait(false);
            if (!row.Labels.IsEmpty)
            {
                await SetLabelsAsync(row.Alias.Value, row.Labels, cancellationToken).ConfigureAwait(false);
            }

            if (row.Disabled is true)
            {
                await SetStatusAsync(row.Alias.Value, AliasStatus.Disabled, cancellationToken).ConfigureAwait(false);
            }
            else if (row.Disabled is false)
            {
                await EnableAsync(row.Alias.Value, cancellationToken).ConfigureAwait(false);
            }

            if (++total % 1000 == 0)
            {
                progress?.Report(total);
            }
        }

        progress?.Report(total);
        return total;
    }

    public void Dispose() => _tableGate.Dispose();

    private async Task<Dictionary<string, AttributeValue>?> UpdateExistingAsync(string alias, string expression, Dictionary<string, AttributeValue> values, CancellationToken cancellationToken, Dictionary<string, string>? names = null)
    {
        try
        {
            var response = await _client.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = _table,
                    Key = Key(alias),
                    UpdateExpression = expression,
                    ConditionExpression = "attribute_exists(alias)",
                    ExpressionAttributeNames = names ?? (expression.Contains("#status", StringComparison.Ordinal) ? new() { ["#status"] = "status" } : null),
                    ExpressionAttributeValues = values,
                    ReturnValues = ReturnValue.ALL_NEW,
                },
                cancellationToken).ConfigureAwait(false);
            return response.Attributes ?? [];
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (_tableReady)
        {
            return;
        }

        await _tableGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_tableReady)
            {
                return;
            }

            try
            {
                await _client.CreateTableAsync(
                    new CreateTableRequest
                    {
                        TableName = _table,
                        AttributeDefinitions = [new AttributeDefinition("alias", ScalarAttributeType.S)],
                        KeySchema = [new KeySchemaElement("alias", KeyType.HASH)],
                        BillingMode = BillingMode.PAY_PER_REQUEST,
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (ResourceInUseException)
            {
                // Already there (or being created by another instance).
            }

            for (var i = 0; i < 100; i++)
            {
                var table = await _client.DescribeTableAsync(_table, cancellationToken).ConfigureAwait(false);
                if (table.Table.TableStatus == TableStatus.ACTIVE)
                {
                    _tableReady = true;
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100), _time, cancellationToken).ConfigureAwait(false);
            }

            throw new TimeoutException($"DynamoDB table {_table} did not become active");
        }
        finally
        {
            _tableGate.Release();
        }
    }

    private static string Normal(string address) => address.Trim().ToLowerInvariant();

    private static Dictionary<string, AttributeValue> Key(string alias) => new() { ["alias"] = new AttributeValue { S = alias } };

    private static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private LookupResult Read(Dictionary<string, AttributeValue> item, string address)
    {
        if (!MailAddress.TryParse(Text(item, "email"), out var target))
        {
            return LookupResult.TemporaryFailure($"dynamodb: the item for {address} names no valid target in 'email'");
        }

        var bounce = Int(item, "count_bounce");
        var complaint = Int(item, "count_complaint");
        var optout = item.TryGetValue("optout", out var o) && (o.BOOL == true || (o.N is { } n && n != "0") || string.Equals(o.S, "true", StringComparison.OrdinalIgnoreCase));
        var stored = AliasRules.ParseStatus(Text(item, "status"));
        var states = Text(item, "targets");
        var note = Text(item, "note") is { Length: > 0 } noted ? noted : null;
        var name = Text(item, "display_name") is { Length: > 0 } named ? named : null;
        if (AliasTargets.Decode(states).Count > 1)
        {
            // Several targets: each dies alone; the alias's counts are totals and kill nothing by themselves.
            var record = new AliasRecord(address, target.Value, AliasRules.Effective(stored, optout, 0, 0), bounce, complaint, Int(item, "count_delivery")) { Note = note, DisplayName = name };
            return LookupResult.Found(AliasTargets.Complete(record, states, _options.BounceLimit));
        }

        var status = AliasRules.Effective(stored, optout, bounce, complaint, _options.BounceLimit);
        return LookupResult.Found(new AliasRecord(address, target.Value, status, bounce, complaint, Int(item, "count_delivery")) { Note = note, DisplayName = name });
    }

    private static string? Text(Dictionary<string, AttributeValue> item, string name) => item.TryGetValue(name, out var value) ? value.S : null;

    private static int Int(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && int.TryParse(value.N ?? value.S, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;

    [LoggerMessage(Level = LogLevel.Warning, Message = "DynamoDB directory lookup for {Address} failed: {Reason}")]
    private static partial void LogFailure(ILogger logger, string address, string reason);
}
