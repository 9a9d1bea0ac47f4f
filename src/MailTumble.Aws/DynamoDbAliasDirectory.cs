using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using MailTumble.Core.Addressing;
using MailTumble.Core.Aliases;
using Microsoft.Extensions.Options;

namespace MailTumble.Aws;

/// <summary>
/// The <c>dynamodb</c> alias directory over the original API's table: key <c>alias</c>, target in <c>email</c>,
/// <c>count_bounce</c>, <c>count_complaint</c>, <c>count_delivery</c>, <c>optout</c>, plus MailTumble's
/// optional <c>status</c>, <c>domain</c>, <c>targets</c>, <c>note</c> and <c>display_name</c> (attributes an item
/// without them simply lacks: nothing to migrate). This file: the lookup, the table and reading items; changes in
/// <c>.Admin.cs</c>, feedback counters in <c>.Feedback.cs</c>, listing and import in <c>.Bulk.cs</c>.
/// </summary>
internal sealed partial class DynamoDbAliasDirectory : IAliasDirectory, IAliasAdmin, IDisposable
{
    private readonly IAmazonDynamoDB _client;
    private readonly DynamoDbDirectoryOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _tableGate = new(1, 1);
    private readonly string _table;
    private volatile bool _tableReady;

    public DynamoDbAliasDirectory(IAmazonDynamoDB client, IOptions<DynamoDbDirectoryOptions> options, TimeProvider time)
    {
        _client = client;
        _options = options.Value;
        _table = _options.Table!;
        _time = time;
        _tableReady = !_options.CreateTable;
    }

    public async ValueTask<LookupResult> LookupAsync(string address, CancellationToken cancellationToken)
    {
        if (!AliasKey.TryParse(address, out var parsed))
        {
            return LookupResult.NotFound;
        }

        // A missing table or an unreachable endpoint throws: the host's ResilientAliasDirectory makes it a 451, so mail
        // waits instead of bouncing.
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var response = await _client.GetItemAsync(new GetItemRequest { TableName = _table, Key = Key(parsed.Value) }, cancellationToken).ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? Read(item, parsed.Value) : LookupResult.NotFound;
    }

    /// <summary>The table has no domain index, so every domain is ours and the lookup decides (set <c>MailTumble:Domains</c> to be strict).</summary>
    public ValueTask<bool> HasDomainAsync(string domain, CancellationToken cancellationToken) => ValueTask.FromResult(true);

    public void Dispose() => _tableGate.Dispose();

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
}
