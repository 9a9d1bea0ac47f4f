using MailTumble.Core.Queue;
using Npgsql;

namespace MailTumble.Postgres;

/// <summary>
/// Wakes this node's idle workers when any node (or a CLI process) queues work: every enqueue, release and replay sends
/// <c>NOTIFY</c> on <see cref="Channel"/> in its transaction (delivered on commit), and every node keeps one connection
/// listening on it. A lost connection is opened again; the idle poll covers the gap.
/// </summary>
internal sealed class PostgresWakeUp : IQueueWakeUp
{
    /// <summary>The notification channel.</summary>
    public const string Channel = "mailtumble_queue";

    private readonly PostgresDatabase _database;
    private readonly TimeProvider _time;

    public PostgresWakeUp(PostgresDatabase database, TimeProvider time)
    {
        _database = database;
        _time = time;
    }

    /// <summary>Notifies every listening node, on commit of <paramref name="transaction"/> (at once without one).</summary>
    public static async Task NotifyAsync(PostgresDatabase database, NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_notify(@channel, '')", connection, transaction);
        command.Parameters.AddWithValue("channel", ChannelOf(database.Schema));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task ListenAsync(Action wake, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wake);
        var channel = ChannelOf(_database.Schema);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
                connection.Notification += (_, _) => wake();
                await using (var listen = new NpgsqlCommand($"LISTEN \"{channel}\"", connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                // Anything queued before LISTEN took effect is found by this first wake.
                wake();
                while (true)
                {
                    await connection.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or QueueUnavailableException)
            {
                // The listening connection broke (server restart, network): listen again shortly.
                await Task.Delay(TimeSpan.FromSeconds(1), _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // The channel name carries the schema, so clusters sharing one database on different schemas do not wake each other.
    private static string ChannelOf(string? schema) => $"{Channel}_{schema}";
}
