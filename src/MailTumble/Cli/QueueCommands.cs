using System.CommandLine;
using MailTumble.Core.Queue;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Cli;

/// <summary><c>queue stats</c> and <c>dlq list|replay</c>.</summary>
internal static class QueueCommands
{
    public static Command CreateQueue(CliContext context)
    {
        var queue = new Command("queue", "Inspect the outgoing queue");
        var stats = new Command("stats", "Depth, in flight, deferred, dead letters, sent in the last minute");
        stats.SetAction((_, ct) => context.RunAsync(async services =>
        {
            var s = await services.GetRequiredService<IOutgoingQueue>().GetStatsAsync(ct).ConfigureAwait(false);
            await context.Out.WriteLineAsync($"""
                depth             {s.Depth}
                  ready           {s.Ready}
                  in flight       {s.InFlight}
                  deferred        {s.Deferred}
                dead letters      {s.DeadLetters}
                sent last minute  {s.SentLastMinute}
                """).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        queue.Subcommands.Add(stats);
        return queue;
    }

    public static Command CreateDlq(CliContext context)
    {
        var dlq = new Command("dlq", "Dead letters: deliveries that failed for good");
        var limit = new Option<int>("--limit") { Description = "How many to show", DefaultValueFactory = _ => 100 };
        var list = new Command("list", "List dead letters, newest first") { limit };
        list.SetAction((result, ct) => context.RunAsync(async services =>
        {
            foreach (var d in await services.GetRequiredService<IOutgoingQueue>().ListDeadAsync(result.GetValue(limit), ct).ConfigureAwait(false))
            {
                await context.Out.WriteLineAsync($"{d.Item.Id}\t{d.DeadAt:u}\t{d.Item.Alias} -> {d.Item.Recipient}\tattempts={d.Attempts}\t{d.Reason}").ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        }));

        var ids = new Argument<string[]>("id") { Description = "Dead letter ids", Arity = ArgumentArity.ZeroOrMore };
        var all = new Option<bool>("--all") { Description = "Replay every dead letter" };
        var replay = new Command("replay", "Queue dead letters again") { ids, all };
        replay.SetAction((result, ct) => context.RunAsync(async services =>
        {
            var chosen = result.GetValue(ids) ?? [];
            if (chosen.Length == 0 && !result.GetValue(all))
            {
                await context.Error.WriteLineAsync("mailtumble: name dead letter ids, or --all").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var count = await services.GetRequiredService<IOutgoingQueue>().ReplayDeadAsync(result.GetValue(all) ? null : chosen, ct).ConfigureAwait(false);
            await context.Out.WriteLineAsync($"replayed {count}").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));

        dlq.Subcommands.Add(list);
        dlq.Subcommands.Add(replay);
        return dlq;
    }
}
