using System.Text.Json;
using MailTumble.Core.Moderation;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace MailTumble.Sqlite;

/// <summary>Sender rules, first-contact settings and known senders in the embedded database ('' means global).</summary>
internal sealed class SqliteSenderRuleStore : ISenderRuleStore
{
    private readonly SqliteDatabase _database;
    private readonly SqliteWriter _writer;
    private readonly TimeProvider _time;
    private readonly bool _firstContactDefault;
    private readonly SenderRuleCache _cache;

    public SqliteSenderRuleStore(SqliteDatabase database, SqliteWriter writer, TimeProvider time, IOptions<ModerationOptions>? options = null)
    {
        _firstContactDefault = options?.Value.FirstContact ?? true;
        _database = database;
        _writer = writer;
        _time = time;
        _cache = new SenderRuleCache(time, LoadAsync);
    }

    public async Task SetAsync(SenderRule rule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        await _writer.WriteAsync(
            context =>
            {
                var command = context.Command("""
                    INSERT OR REPLACE INTO sender_rules (pattern, alias, action, silent, created_at, created_by, note)
                    VALUES ($pattern, $alias, $action, $silent, $at, $by, $note)
                    """);
                command.Parameters.AddWithValue("$pattern", SenderPattern.Parse(rule.Pattern));
                command.Parameters.AddWithValue("$alias", Scope(rule.Alias));
                command.Parameters.AddWithValue("$action", rule.Action.ToString().ToLowerInvariant());
                command.Parameters.AddWithValue("$silent", rule.Silent);
                command.Parameters.AddWithValue("$at", rule.CreatedAt.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$by", rule.CreatedBy);
                command.Parameters.AddWithValue("$note", (object?)rule.Note ?? DBNull.Value);
                return command.ExecuteNonQuery();
            },
            cancellationToken).ConfigureAwait(false);
        _cache.Invalidate();
    }

    public async Task<bool> RemoveAsync(string pattern, string? alias, CancellationToken cancellationToken)
    {
        var removed = await _writer.WriteAsync(
            context =>
            {
                var command = context.Command("DELETE FROM sender_rules WHERE pattern = $pattern AND alias = $alias");
                command.Parameters.AddWithValue("$pattern", SenderPattern.Parse(pattern));
                command.Parameters.AddWithValue("$alias", Scope(alias));
                return command.ExecuteNonQuery() > 0;
            },
            cancellationToken).ConfigureAwait(false);
        _cache.Invalidate();
        return removed;
    }

    public async Task<IReadOnlyList<SenderRule>> ListAsync(string? alias, CancellationToken cancellationToken)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT pattern, alias, action, silent, created_at, created_by, note FROM sender_rules
            WHERE $alias IS NULL OR alias IN ('', $alias) ORDER BY alias, pattern
            """;
        command.Parameters.AddWithValue("$alias", alias is null ? DBNull.Value : Scope(alias));
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
            await using var connection = _database.Open();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT EXISTS (SELECT 1 FROM known_senders WHERE alias = $alias AND sender = $sender)";
            command.Parameters.AddWithValue("$alias", scope);
            command.Parameters.AddWithValue("$sender", senders[0]);
            known = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) != 0;
        }

        return new SenderFacts(rules, firstContact, known);
    }

    /// <summary>
    /// Every rule and first-contact setting, for the <see cref="SenderRuleCache"/>: they are few and read for every
    /// message, so they are kept in memory, reloaded every two seconds (changes made by another process, e.g. the CLI)
    /// and at once after a change made here.
    /// </summary>
    private async Task<(IReadOnlyList<SenderRule> Rules, IReadOnlyDictionary<string, bool> FirstContact)> LoadAsync(CancellationToken cancellationToken)
    {
        await using var connection = _database.Open();
        await using var rulesCommand = connection.CreateCommand();
        rulesCommand.CommandText = "SELECT pattern, alias, action, silent, created_at, created_by, note FROM sender_rules";
        var rules = await ReadRulesAsync(rulesCommand, cancellationToken).ConfigureAwait(false);
        await using var settings = connection.CreateCommand();
        settings.CommandText = "SELECT alias, first_contact FROM moderation_settings";
        var firstContact = new Dictionary<string, bool>(StringComparer.Ordinal);
        await using (var reader = await settings.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                firstContact[reader.GetString(0)] = reader.GetInt64(1) != 0;
            }
        }

        return (rules, firstContact);
    }

    public async Task SetFirstContactAsync(string? alias, bool? enabled, CancellationToken cancellationToken)
    {
        await _writer.WriteAsync(
            context =>
            {
                var command = context.Command(enabled is null
                    ? "DELETE FROM moderation_settings WHERE alias = $alias"
                    : "INSERT OR REPLACE INTO moderation_settings (alias, first_contact) VALUES ($alias, $on)");
                command.Parameters.AddWithValue("$alias", Scope(alias));
                if (enabled is not null)
                {
                    command.Parameters.AddWithValue("$on", enabled.Value);
                }

                return command.ExecuteNonQuery();
            },
            cancellationToken).ConfigureAwait(false);
        _cache.Invalidate();
    }

    public Task RememberAsync(IReadOnlyCollection<(string Alias, string Sender)> pairs, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return _writer.WriteAsync(
            context =>
            {
                foreach (var (alias, sender) in pairs)
                {
                    var command = context.Command("INSERT OR IGNORE INTO known_senders (alias, sender, first_at) VALUES ($alias, $sender, $now)");
                    command.Parameters.AddWithValue("$alias", Scope(alias));
                    command.Parameters.AddWithValue("$sender", sender.Trim().ToLowerInvariant());
                    command.Parameters.AddWithValue("$now", now);
                    command.ExecuteNonQuery();
                }

                return 0;
            },
            cancellationToken);
    }

    private static string Scope(string? alias) => alias?.Trim().ToLowerInvariant() ?? string.Empty;

    private static async Task<IReadOnlyList<SenderRule>> ReadRulesAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var list = new List<SenderRule>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new SenderRule(
                reader.GetString(0),
                reader.GetString(1) is { Length: > 0 } a ? a : null,
                Enum.Parse<SenderRuleAction>(reader.GetString(2), ignoreCase: true),
                reader.GetInt64(3) != 0,
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6)));
        }

        return list;
    }
}
