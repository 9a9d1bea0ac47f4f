using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using MailTumble.Core.Aliases;

namespace MailTumble.Aws;

/// <summary>The <c>dynamodb</c> directory's feedback counters, per alias and per target.</summary>
internal sealed partial class DynamoDbAliasDirectory
{
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
}
