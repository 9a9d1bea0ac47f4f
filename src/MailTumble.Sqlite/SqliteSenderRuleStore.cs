using System.Text.Json;
using MailTumble.Core.Moderation;
using Microsoft.Data.Sqlite;

namespace MailTumble.Sqlite;

/// <summary>Sender rules, first-contact settings and known senders in the embedded database ('' means global).</summary>
internal sealed class SqliteSenderRuleStore : ISenderRuleStore
{
    private readonly SqliteDatabase _database;
    private readonly SqliteWriter _writer;
    private readonly TimeProvider _time;

    public SqliteSenderRuleStore(SqliteDatabase database, SqliteWriter writer, TimeProvider time)
    {
        _database = database;
        _writer = writer;
        _time = time;
    }

    public Task SetAsync(SenderRule rule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return _writer.WriteAsync(
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
            cancellationToken);
    }

    public Task<bool> RemoveAsync(string pattern, string? alias, CancellationToken cancellationToken) =>
        _writer.WriteAsync(
            context =>
            {
                var command = context.Command("DELETE FROM sender_rules WHERE pattern = $pattern AND alias = $alias");
                command.Parameters.AddWithValue("$pattern", SenderPattern.Parse(pattern));
                command.Parameters.AddWithValue("$alias", Scope(alias));
                return command.ExecuteNonQuery() > 0;
            },
            cancellationToken);

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
        await using var connection = _database.Open();
        var patterns = senders.SelectMany(SenderPattern.Candidates).Distinct(StringComparer.Ordinal).ToList();
        IReadOnlyList<SenderRule> rules = [];
        if (patterns.Count > 0)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT pattern, alias, action, silent, created_at, created_by, note FROM sender_rules
                WHERE alias IN ('', $alias) AND pattern IN (SELECT value FROM json_each($patterns))
                """;
            command.Parameters.AddWithValue("$alias", scope);
            command.Parameters.AddWithValue("$patterns", JsonSerializer.Serialize(patterns));
            rules = await ReadRulesAsync(command, cancellationToken).ConfigureAwait(false);
        }

        await using var facts = connection.CreateCommand();
        facts.CommandText = """
            SELECT
              COALESCE((SELECT first_contact FROM moderation_settings WHERE alias = $alias), (SELECT first_contact FROM moderation_settings WHERE alias = '')),
              EXISTS (SELECT 1 FROM known_senders WHERE alias = $alias AND sender = $sender)
            """;
        facts.Parameters.AddWithValue("$alias", scope);
        facts.Parameters.AddWithValue("$sender", senders.Count > 0 ? senders[0] : string.Empty);
        await using var reader = await facts.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        bool? firstContact = reader.IsDBNull(0) ? null : reader.GetInt64(0) != 0;
        return new SenderFacts(rules, firstContact, reader.GetInt64(1) != 0);
    }

    public Task SetFirstContactAsync(string? alias, bool? enabled, CancellationToken cancellationToken) =>
        _writer.WriteAsync(
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
            cancellationToken);

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
