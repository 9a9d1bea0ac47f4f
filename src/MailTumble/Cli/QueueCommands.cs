using System.CommandLine;
using System.Globalization;
using MailTumble.Core.Delivery;
using MailTumble.Core.Queue;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Cli;

/// <summary><c>queue stats</c> (and <c>queue lanes</c>, see <see cref="LaneCommands"/>).</summary>
internal static class QueueCommands
{
    public static Command CreateQueue(CliContext context)
    {
        var queue = new Command("queue", "Inspect the outgoing queue");
        var stats = new Command("stats", "Depth, in flight, deferred, dead letters, send rate, throttling and time to drain");
        stats.SetAction((_, ct) => context.RunAsync(async services =>
        {
            var s = await services.GetRequiredService<IOutgoingQueue>().GetStatsAsync(ct).ConfigureAwait(false);
            var store = services.GetService<IDeliveryStatusStore>();
            var status = store is null ? null : await store.LoadAsync(ct).ConfigureAwait(false);
            await context.Out.WriteAsync(Format(s, status, services.GetRequiredService<TimeProvider>().GetUtcNow())).ConfigureAwait(false);
            if (Hosting.ServiceComposition.Backend(context.Configuration.GetSection("MailTumble")) == "embedded")
            {
                var disk = Sqlite.DataDiskStatus.Read(Hosting.MailTumbleConfiguration.DataDir(context.Configuration));
                await context.Out.WriteAsync($"data disk         {disk.Describe()}\n").ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        }));
        queue.Subcommands.Add(stats);
        queue.Subcommands.Add(LaneCommands.CreateLanes(context));
        return queue;
    }

    internal static string Format(QueueStats s, DeliveryStatus? status, DateTimeOffset now)
    {
        var c = CultureInfo.InvariantCulture;
        var live = status is not null && status.IsLive(now);
        // The queue counts every process's deliveries; SQS cannot, and then the running send-out's own count is all there is.
        var sent = s.SentLastMinute is { } counted ? counted.ToString(c)
            : live ? $"{status!.SentLastMinute} (by the serve on this data directory; SQS does not count deliveries)"
            : "unknown (SQS does not count deliveries, and no serve runs on this data directory)";
        var lines = new List<string>
        {
            $"depth             {s.Depth}",
            $"  ready           {s.Ready}",
            $"  in flight       {s.InFlight}",
            $"  deferred        {s.Deferred}",
            $"dead letters      {s.DeadLetters}",
            $"sent last minute  {sent}",
        };

        if (!live)
        {
            lines.Add("send-out          not running" + (status is null ? string.Empty : $" (last seen {status.UpdatedAt:u})"));
        }
        else
        {
            lines.Add(string.Create(c, $"send rate         {status!.Rate:0.##}/s of {status.MaxRate:0.##}/s, {status.Concurrency} worker(s)"));
            lines.Add($"last minute       sent {status.SentLastMinute}, throttled {status.ThrottledLastMinute}, failed {status.FailedLastMinute}");
            if (status.DailyQuota is { } quota)
            {
                lines.Add($"daily quota       {status.DailyUsed} of {quota} used in the last 24 h");
            }

            if (status.PausedUntil is { } until)
            {
                lines.Add($"paused until      {until:u} ({status.PauseReason})");
            }

            var drain = status.EstimatedDrain(s.Ready + s.InFlight);
            lines.Add("time to drain     " + (drain is { } d ? d.ToString(@"d\.hh\:mm\:ss", c) : "unknown"));
        }

        return string.Join('\n', lines) + "\n";
    }
}
