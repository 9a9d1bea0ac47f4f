using System.Data.Common;
using MailTumble.Core.Aliases;

namespace MailTumble.Sql;

/// <summary>The <c>mysql</c>/<c>postgres</c> directory's feedback counters, per alias and per target.</summary>
internal sealed partial class SqlAliasDirectory
{
    public async Task<bool> RecordFeedbackAsync(string address, string? target, FeedbackKind kind, CancellationToken cancellationToken) =>
        (target is not null && await RecordTargetFeedbackAsync(Key(address), target, kind, cancellationToken).ConfigureAwait(false)) ||
        // One statement, so concurrent reports cannot lose a count. MySQL evaluates SET left to right
        // with the new values, so the status comes first and sees the old counts on both servers.
        await ExecuteAsync(
            $"""
            UPDATE {_table} SET
                status = CASE WHEN status IN ('active', 'held') AND (@c > 0 OR (@b > 0 AND count_bounce + @b > @limit)) THEN 'dead' ELSE status END,
                count_bounce = count_bounce + @b,
                count_complaint = count_complaint + @c,
                count_delivery = count_delivery + @d,
                updated_at = @now
            WHERE alias = @address
            """,
            cancellationToken,
            ("b", kind is FeedbackKind.Bounce ? 1 : 0),
            ("c", kind is FeedbackKind.Complaint ? 1 : 0),
            ("d", kind is FeedbackKind.Delivery ? 1 : 0),
            ("limit", _options.BounceLimit),
            ("now", _time.GetUtcNow().ToUnixTimeMilliseconds()),
            ("address", Key(address))).ConfigureAwait(false) > 0;

    /// <summary>
    /// An alias with several targets counts the event on the target too, under a row lock (so concurrent reports cannot
    /// lose a count); false when the alias has one target or no such target, counted on the alias.
    /// </summary>
    private async Task<bool> RecordTargetFeedbackAsync(string address, string target, FeedbackKind kind, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var current = await StatesAsync(connection, transaction, address, cancellationToken).ConfigureAwait(false);
        if (current is not { Count: > 1 } || AliasTargets.Record(current, target, kind) is not { } next)
        {
            return false;
        }

        await using var update = Command(
            connection,
            $"""
            UPDATE {_table} SET targets = @targets, count_bounce = count_bounce + @b, count_complaint = count_complaint + @c,
                count_delivery = count_delivery + @d, updated_at = @now
            WHERE alias = @address
            """,
            ("targets", AliasTargets.Encode(next)!),
            ("b", kind is FeedbackKind.Bounce ? 1 : 0),
            ("c", kind is FeedbackKind.Complaint ? 1 : 0),
            ("d", kind is FeedbackKind.Delivery ? 1 : 0),
            ("now", _time.GetUtcNow().ToUnixTimeMilliseconds()),
            ("address", address));
        update.Transaction = transaction;
        await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The alias's targets with their counts (one target: the alias's own), row-locked; null when there is no such alias.</summary>
    private async Task<IReadOnlyList<TargetState>?> StatesAsync(DbConnection connection, DbTransaction? transaction, string address, CancellationToken cancellationToken)
    {
        await using var command = Command(
            connection,
            $"SELECT email, count_bounce, count_complaint, count_delivery, targets FROM {_table} WHERE alias = @address" + (transaction is null ? string.Empty : " FOR UPDATE"),
            ("address", address));
        command.Transaction = transaction;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var states = AliasTargets.Decode(reader.IsDBNull(4) ? null : reader.GetString(4));
        return states.Count > 1 ? states : [new TargetState(reader.GetString(0).Trim().ToLowerInvariant(), Int(reader, "count_bounce"), Int(reader, "count_complaint"), Int(reader, "count_delivery"))];
    }
}
