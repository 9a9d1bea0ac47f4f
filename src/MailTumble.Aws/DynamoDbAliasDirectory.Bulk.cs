using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using MailTumble.Core.Aliases;

namespace MailTumble.Aws;

/// <summary>The <c>dynamodb</c> directory's listing and import.</summary>
internal sealed partial class DynamoDbAliasDirectory
{
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
}
