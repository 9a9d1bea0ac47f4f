using MailTumble.Core.Moderation;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MailTumble.Postgres;

/// <summary>
/// Sender rules, first-contact settings and known senders in PostgreSQL, shared by every node ('' means global). Rules
/// and settings are few and read for every message: each node keeps them in memory for two seconds (a rule set on
/// another node applies here within that) and reloads at once after a change made here.
/// </summary>
internal sealed class PostgresSenderRuleStore : ISenderRuleStore
{
    private readonly PostgresDatabase _database;
    private readonly TimeProvider _time;
    private readonly bool _firstContactDefault;
    private readonly SenderRuleCache _cache;

    public PostgresSenderRuleStore(PostgresDatabase database, TimeProvider time, IOptions<ModerationOptions>? options = null)
    {
        _database = database;
        _time = time;
        _firstContactDefault = options?.Value.FirstContact ?? true;
        _cache = new SenderRuleCache(time, LoadAsync);
    }

    public async Task SetAsync(SenderRule rule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        await using (var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false))
        await using (var command = new NpgsqlCommand("""
            INSERT INTO sender_rules (pattern, alias, action, silent, created_at, created_by, note)
            VALUES (@pattern, @alias, @action, @silent, @at, @by, @note)
            ON CONFLICT (pattern, alias) DO UPDATE SET action = excluded.action, silent = excluded.silent,
                created_at = excluded.created_at, created_by = excluded.created_by, note = excluded.note
            """, connection))
        {
            command.Parameters.AddWithValue("pattern", SenderPattern.Parse(rule.Pattern));
            command.Parameters.AddWithValue("alias", Scope(rule.Alias));
            command.Parameters.AddWithValue("action", rule.Action.ToString().ToLowerInvariant());
            command.Parameters.AddWithValue("silent", rule.Silent);
            command.Parameters.AddWithValue("at", rule.CreatedAt.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("by", rule.CreatedBy);
            command.Parameters.Add(new NpgsqlParameter("note", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)rule.Note ?? DBNull.Value });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        _cache.Invalidate();
    }

    public async Task<bool> RemoveAsync(string pattern, string? alias, CancellationToken cancellationToken)
    {
        bool removed;
        await using (var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false))
        await using (var command = new NpgsqlCommand("DELETE FROM sender_rules WHERE pattern = @pattern AND alias = @alias", connection))
        {
            command.Parameters.AddWithValue("pattern", SenderPattern.Parse(pattern));
            command.Parameters.AddWithValue("alias", Scope(alias));
            removed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
        }

        _cache.Invalidate();
        return removed;
    }

    public async Task<IReadOnlyList<SenderRule>> ListAsync(string? alias, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            SELECT pattern, alias, action, silent, created_at, created_by, note FROM sender_rules
            WHERE @alias::text IS NULL OR alias IN ('', @alias) ORDER BY alias COLLATE "C", pattern COLLATE "C"
            """, connection);
        command.Parameters.Add(new NpgsqlParameter("alias", NpgsqlTypes.NpgsqlDbType.Text) { Value = alias is null ? DBNull.Value : Scope(alias) });
        return await ReadRulesAsync(command, cancellationToken).ConfigureAwait(false);
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
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM known_senders WHERE alias = @alias AND sender = @sender)", connection);
            command.Parameters.AddWithValue("alias", scope);
            command.Parameters.AddWithValue("sender", senders[0]);
            known = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
        }

        return new SenderFacts(rules, firstContact, known);
    }

    public async Task SetFirstContactAsync(string? alias, bool? enabled, CancellationToken cancellationToken)
    {
        await using (var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false))
        await using (var command = new NpgsqlCommand(
            enabled is null
                ? "DELETE FROM moderation_settings WHERE alias = @alias"
                : "INSERT INTO moderation_settings (alias, first_contact) VALUES (@alias, @on) ON CONFLICT (alias) DO UPDATE SET first_contact = excluded.first_contact",
            connection))
        {
            command.Parameters.AddWithValue("alias", Scope(alias));
            if (enabled is not null)
            {
                command.Parameters.AddWithValue("on", enabled.Value);
            }

            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
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

        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            INSERT INTO known_senders (alias, sender, first_at)
            SELECT DISTINCT a, s, @now FROM unnest(@aliases, @senders) AS p(a, s)
            ON CONFLICT (alias, sender) DO NOTHING
            """, connection);
        command.Parameters.AddWithValue("aliases", pairs.Select(p => Scope(p.Alias)).ToArray());
        command.Parameters.AddWithValue("senders", pairs.Select(p => p.Sender.Trim().ToLowerInvariant()).ToArray());
        command.Parameters.AddWithValue("now", _time.GetUtcNow().ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<(IReadOnlyList<SenderRule> Rules, IReadOnlyDictionary<string, bool> FirstContact)> LoadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<SenderRule> rules;
        await using (var command = new NpgsqlCommand("SELECT pattern, alias, action, silent, created_at, created_by, note FROM sender_rules", connection))
        {
            rules = await ReadRulesAsync(command, cancellationToken).ConfigureAwait(false);
        }

        var firstContact = new Dictionary<string, bool>(StringComparer.Ordinal);
        await using (var settings = new NpgsqlCommand("SELECT alias, first_contact FROM moderation_settings", connection))
        await using (var reader = await settings.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                firstContact[reader.GetString(0)] = reader.GetBoolean(1);
            }
        }

        return (rules, firstContact);
    }

    private static string Scope(string? alias) => alias?.Trim().ToLowerInvariant() ?? string.Empty;

    private static async Task<IReadOnlyList<SenderRule>> ReadRulesAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var list = new List<SenderRule>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new SenderRule(
                reader.GetString(0),
                reader.GetString(1) is { Length: > 0 } a ? a : null,
                Enum.Parse<SenderRuleAction>(reader.GetString(2), ignoreCase: true),
                reader.GetBoolean(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6)));
        }

        return list;
    }
}
