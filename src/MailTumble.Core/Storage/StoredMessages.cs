using Microsoft.Extensions.Logging;

namespace MailTumble.Core.Storage;

/// <summary>
/// The one owner of stored message bytes: the only code that deletes from the <see cref="IRawStore"/>. Whoever learns
/// that nothing refers to a stored message any more (the queue on an ack, the held store on a reject or an expiry,
/// dead-letter purge, the intake when a message is not accepted) reports its key here; no adapter, command or endpoint
/// deletes bytes on its own. The decision that released a key is already committed when it is reported, so a delete
/// that fails is logged and left (the bytes leak, nothing is lost), never thrown back into the caller's transaction.
/// </summary>
public sealed partial class StoredMessages
{
    private const int Parallelism = 16;
    private readonly IRawStore _raw;
    private readonly ILogger<StoredMessages> _logger;

    /// <summary>Creates the owner over the raw store.</summary>
    public StoredMessages(IRawStore raw, ILogger<StoredMessages> logger)
    {
        _raw = raw;
        _logger = logger;
    }

    /// <summary>Deletes the bytes of a message nothing refers to any more; <paramref name="why"/> is for the log.</summary>
    public async Task ReleaseAsync(string key, string why, CancellationToken cancellationToken)
    {
        try
        {
            await _raw.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
            LogReleased(_logger, key, why);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogReleaseFailed(_logger, ex, key, why);
        }
    }

    /// <summary>Deletes the bytes of many messages (deletes are latency bound, so several run at once).</summary>
    public async Task ReleaseAsync(IReadOnlyCollection<string> keys, string why, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 1)
        {
            await ReleaseAsync(keys.First(), why, cancellationToken).ConfigureAwait(false);
            return;
        }

        await Parallel.ForEachAsync(
            keys,
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (key, ct) => await ReleaseAsync(key, why, ct).ConfigureAwait(false)).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 1220, Level = LogLevel.Debug, Message = "Deleted stored message {Key}: {Why}")]
    private static partial void LogReleased(ILogger logger, string key, string why);

    [LoggerMessage(EventId = 1221, Level = LogLevel.Warning, Message = "Stored message {Key} is no longer needed ({Why}) but could not be deleted; it is left in the raw store")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, string key, string why);
}
