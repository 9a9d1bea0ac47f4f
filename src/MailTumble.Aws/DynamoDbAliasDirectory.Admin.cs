using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using MailTumble.Core.Aliases;

namespace MailTumble.Aws;

/// <summary>The <c>dynamodb</c> directory's changes: add or retarget, remove, status, switch, labels.</summary>
internal sealed partial class DynamoDbAliasDirectory
{
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
}
