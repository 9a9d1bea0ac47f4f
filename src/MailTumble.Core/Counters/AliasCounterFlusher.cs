using Microsoft.Extensions.Hosting;

namespace MailTumble.Core.Counters;

/// <summary>
/// Writes the alias counters a second after the first count since the last write (so at most once a second), and once
/// more at shutdown. While nothing is counted it does not wake.
/// </summary>
internal sealed class AliasCounterFlusher(AliasCounters counters, TimeProvider time) : BackgroundService
{
    /// <summary>How long a count waits to be written (with every other count in that time).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await counters.FlushAsync(CancellationToken.None).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await counters.WhenPendingAsync(stoppingToken).ConfigureAwait(false);
                await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(false);
                await counters.FlushAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
