using System.Data.Common;
using MailTumble.Core.Aliases;

namespace MailTumble.Sql;

/// <summary>The <c>mysql</c>/<c>postgres</c> directory's changes: add or retarget, remove, status, switch, labels.</summary>
internal sealed partial class SqlAliasDirectory
{
    public async Task<bool> UpsertAsync(string address, IReadOnlyList<string> targets, CancellationToken cancellationToken)
    {
        var alias = AliasKey.Parse(address);
        var to = AliasTargets.Normalize(targets);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await UpsertAsync(connection, null, alias, to, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> RemoveAsync(string address, CancellationToken cancellationToken) =>
        await ExecuteAsync($"DELETE FROM {_table} WHERE alias = @address", cancellationToken, ("address", Key(address))).ConfigureAwait(false) > 0;

    public async Task<bool> SetStatusAsync(string address, AliasStatus status, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            $"UPDATE {_table} SET status = @status, updated_at = @now WHERE alias = @address",
            cancellationToken,
            ("status", AliasRules.Format(status)),
            ("now", _time.GetUtcNow().ToUnixTimeMilliseconds()),
            ("address", Key(address))).ConfigureAwait(false) > 0;

    public async Task<bool> EnableAsync(string address, CancellationToken cancellationToken) =>
        // Any stored status that reads as disabled (AliasRules.ParseStatus) is switched on; held and dead stay.
        await ExecuteAsync(
            $"UPDATE {_table} SET status = 'active', updated_at = @now WHERE alias = @address AND LOWER(status) NOT IN ('active', 'held', 'dead')",
            cancellationToken,
            ("now", _time.GetUtcNow().ToUnixTimeMilliseconds()),
            ("address", Key(address))).ConfigureAwait(false) > 0;

    public async Task<bool> SetLabelsAsync(string address, AliasLabels labels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(labels);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await SetExtrasAsync(connection, null, Key(address), labels.Checked(), null, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> UpsertAsync(DbConnection connection, DbTransaction? transaction, AliasKey alias, IReadOnlyList<string> targets, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var target = targets[0];
        // Only an alias with several targets has per-target counts worth keeping.
        var current = targets.Count > 1 ? await StatesAsync(connection, transaction, alias.Value, cancellationToken).ConfigureAwait(false) : null;
        object states = (object?)AliasTargets.Encode(AliasTargets.Retarget(current ?? [], targets)) ?? DBNull.Value;
        // Update first, insert when there was nothing; a racing insert turns into an update. Portable to both servers.
        for (var attempt = 0; ; attempt++)
        {
            await using var update = Command(connection, $"UPDATE {_table} SET email = @email, targets = @targets, updated_at = @now WHERE alias = @address", ("email", target), ("targets", states), ("now", now), ("address", alias.Value));
            update.Transaction = transaction;
            if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0)
            {
                return false;
            }

            await using var insert = Command(
                connection,
                $"INSERT INTO {_table} (alias, email, targets, domain, status, updated_at) VALUES (@address, @email, @targets, @domain, 'active', @now)",
                ("address", alias.Value),
                ("email", target),
                ("targets", states),
                ("domain", alias.Domain),
                ("now", now));
            insert.Transaction = transaction;
            try
            {
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (DbException ex) when (_dialect.IsDuplicate(ex) && attempt == 0 && transaction is null)
            {
            }
        }
    }

    /// <summary>
    /// Sets an existing alias's note, display name and switch, each only when given (<paramref name="disabled"/> true
    /// disables, false switches a disabled alias on, null leaves it); false when there is no such alias.
    /// </summary>
    private async Task<bool> SetExtrasAsync(DbConnection connection, DbTransaction? transaction, string address, AliasLabels labels, bool? disabled, CancellationToken cancellationToken)
    {
        await using var command = Command(
            connection,
            $"""
            UPDATE {_table} SET
                note = CASE WHEN @set_note = 1 THEN @note ELSE note END,
                display_name = CASE WHEN @set_name = 1 THEN @name ELSE display_name END,
                status = CASE WHEN @onoff = 1 THEN 'disabled' WHEN @onoff = 0 AND LOWER(status) NOT IN ('active', 'held', 'dead') THEN 'active' ELSE status END,
                updated_at = @now
            WHERE alias = @address
            """,
            ("set_note", labels.Note is null ? 0 : 1),
            ("note", (object?)AliasLabels.Stored(labels.Note) ?? DBNull.Value),
            ("set_name", labels.DisplayName is null ? 0 : 1),
            ("name", (object?)AliasLabels.Stored(labels.DisplayName) ?? DBNull.Value),
            ("onoff", disabled switch { true => 1, false => 0, null => -1 }),
            ("now", _time.GetUtcNow().ToUnixTimeMilliseconds()),
            ("address", address));
        command.Transaction = transaction;
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }
}
