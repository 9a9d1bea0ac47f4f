using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MailTumble.Core.Queue;

/// <summary>Runs the family's <see cref="IQueueWakeUp"/> into this process's <see cref="QueueSignal"/>, listening again after a failure.</summary>
internal sealed partial class WakeUpService(IQueueWakeUp wakeUp, QueueSignal signal, TimeProvider time, ILogger<WakeUpService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await wakeUp.ListenAsync(signal.Notify, stoppingToken).ConfigureAwait(false);
                return; // nothing to listen to
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Workers still find work by their idle poll meanwhile.
                LogListenFailed(logger, ex);
                signal.Notify();
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(EventId = 1160, Level = LogLevel.Warning, Message = "Queue wake-up listener failed; listening again in a second (workers poll meanwhile)")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
