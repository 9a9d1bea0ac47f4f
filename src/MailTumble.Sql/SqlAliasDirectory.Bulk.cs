using System.Data.Common;
using MailTumble.Core.Aliases;

namespace MailTumble.Sql;

/// <summary>The <c>mysql</c>/<c>postgres</c> directory's listing and import.</summary>
internal sealed partial class SqlAliasDirectory
{
    public async Task<IReadOnlyList<AliasRecord>> ListAsync(string? prefix, string? after, int limit, CancellationToken cancellationToken)
    {
        var start = prefix?.ToLowerInvariant() ?? string.Empty;
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        // LEFT() instead of LIKE, so '%' and '_' in a prefix are plain characters.
        await using var command = Command(
            connection,
            $"""
            SELECT alias, email, status, count_bounce, count_complaint, count_delivery, optout, targets, note, display_name FROM {_table}
            WHERE alias > @after AND LEFT(alias, @length) = @prefix ORDER BY alias LIMIT @limit
            """,
            ("after", after?.ToLowerInvariant() ?? string.Empty),
            ("length", start.Length),
            ("prefix", start),
            ("limit", limit));
        var list = new List<AliasRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(Read(reader, reader.GetString(0)));
        }

        return list;
    }

    public async Task<int> ImportAsync(IAsyncEnumerable<AliasImportLine> rows, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var total = 0;
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await foreach (var line in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                var row = AliasImportRow.Parse(total + 1, line);
                await UpsertAsync(connection, transaction, row.Alias, row.Targets, cancellationToken).ConfigureAwait(false);
                if (!row.Labels.IsEmpty || row.Disabled is not null)
                {
                    await SetExtrasAsync(connection, transaction, row.Alias.Value, row.Labels, row.Disabled, cancellationToken).ConfigureAwait(false);
                }

                if (++total % ImportBatch == 0)
                {
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    await transaction.DisposeAsync().ConfigureAwait(false);
                    transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                    progress?.Report(total);
                }
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            progress?.Report(total);
            return total;
        }
        finally
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
        }
    }
}
