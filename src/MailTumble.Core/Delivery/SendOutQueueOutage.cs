using MailTumble.Core.Queue;
using Microsoft.Extensions.Logging;

namespace MailTumble.Core.Delivery;

/// <summary>
/// The queue cannot be used at all (a wrong queue URL, no access): one line naming the setting per outage, shared by
/// the statistics loop and every worker, then waits that double up to a minute until it works again.
/// </summary>
internal sealed partial class SendOutQueueOutage(TimeProvider time, ILogger<DeliveryService> logger)
{
    private readonly OutageBackoff _backoff = new();

    /// <summary>Reports the failure (once per outage) and waits before the caller tries again; returns early on shutdown.</summary>
    public async Task FailedAsync(QueueUnavailableException ex, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(ex);
        if (_backoff.Fail(ex.Message, out var delay))
        {
            LogQueueUnavailable(logger, ex.Message, _backoff.Max);
        }

        try
        {
            await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The queue answered: ends an outage with one line saying so.</summary>
    public void Worked()
    {
        if (_backoff.Succeed())
        {
            LogQueueAvailable(logger);
        }
    }

    [LoggerMessage(EventId = 1080, Level = LogLevel.Error, Message = "Send-out cannot use the queue: {Reason}. Trying again with waits doubling up to {MaxWait}; nothing more is logged until it works")]
    private static partial void LogQueueUnavailable(ILogger logger, string reason, TimeSpan maxWait);

    [LoggerMessage(EventId = 1081, Level = LogLevel.Information, Message = "Send-out can use the queue again")]
    private static partial void LogQueueAvailable(ILogger logger);
}
