using Microsoft.Extensions.Hosting;

namespace MailTumble.Core.Counters;

/// <summary>Writes the alias counters once a second, and once more at shutdown.</summary>
internal sealed class AliasCounterFlusher(AliasCounters counters, TimeProvider time) : BackgroundService
{
    /// <summary>How often the counters are written.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await counters.FlushAsync(CancellationToken.None).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await counters.FlushAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
