using MailTumble.Core.Storage;

namespace MailTumble.Core.Queue;

/// <summary>Purges old dead letters (the <c>dlq purge</c> command and <c>DELETE /dlq</c>), their stored messages through <see cref="StoredMessages"/>.</summary>
public sealed class DeadLetterPurge
{
    private readonly IDeadLetterAdmin? _admin;
    private readonly StoredMessages _stored;
    private readonly TimeProvider _time;

    /// <summary>Creates the use case; without <paramref name="admin"/> the queue backend cannot purge.</summary>
    public DeadLetterPurge(StoredMessages stored, TimeProvider time, IDeadLetterAdmin? admin = null)
    {
        _admin = admin;
        _stored = stored;
        _time = time;
    }

    /// <summary>Whether the queue backend can purge dead letters.</summary>
    public bool Supported => _admin is not null;

    /// <summary>Deletes dead letters older than <paramref name="age"/>; returns how many, and how many stored messages went with them.</summary>
    public async Task<(int Purged, int ReleasedMessages)> PurgeAsync(TimeSpan age, CancellationToken cancellationToken)
    {
        var admin = _admin ?? throw new NotSupportedException("this queue backend does not support purging dead letters");
        var (purged, released) = await admin.PurgeDeadAsync(_time.GetUtcNow() - age, cancellationToken).ConfigureAwait(false);
        await _stored.ReleaseAsync(released, "dead letter purged", cancellationToken).ConfigureAwait(false);
        return (purged, released.Count);
    }
}
