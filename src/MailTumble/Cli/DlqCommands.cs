using System.CommandLine;
using System.Text;
using MailTumble.Core;
using MailTumble.Core.Queue;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Cli;

/// <summary><c>dlq list|show|replay|purge</c>.</summary>
internal static class DlqCommands
{
    public static Command Create(CliContext context)
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

        var showId = new Argument<string>("id") { Description = "Dead letter id (from dlq list)" };
        var show = new Command("show", "Show one dead letter: why it died and the headers it would be sent with") { showId };
        show.SetAction((result, ct) => context.RunAsync(async services =>
        {
            var admin = services.GetService<IDeadLetterAdmin>();
            var id = result.GetValue(showId)!;
            var dead = admin is null ? null : await admin.GetDeadAsync(id, ct).ConfigureAwait(false);
            if (dead is null)
            {
                await context.Error.WriteLineAsync($"mailtumble: no such dead letter: {id}").ConfigureAwait(false);
                return ExitCodes.DataError;
            }

            await context.Out.WriteLineAsync($"""
                id          {dead.Item.Id}
                message     {dead.Item.MessageKey}
                alias       {dead.Item.Alias}
                recipient   {dead.Item.Recipient}
                received    {dead.Item.ReceivedAt:u}
                died        {dead.DeadAt:u}
                attempts    {dead.Attempts}
                reason      {dead.Reason}

                {Encoding.UTF8.GetString(dead.Item.Headers.Span)}
                """).ConfigureAwait(false);
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

        var olderThan = new Option<string>("--older-than") { Description = "Age, e.g. 7d, 12h, 30m", Required = true };
        var purge = new Command("purge", "Delete dead letters (and their stored messages) older than an age") { olderThan };
        purge.SetAction((result, ct) => context.RunAsync(async services =>
        {
            if (!Duration.TryParse(result.GetValue(olderThan), out var age))
            {
                await context.Error.WriteLineAsync($"mailtumble: --older-than: '{result.GetValue(olderThan)}' is not a duration such as 7d, 12h or 30m").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var purge = services.GetRequiredService<DeadLetterPurge>();
            if (!purge.Supported)
            {
                await context.Error.WriteLineAsync("mailtumble: this queue backend does not support purging dead letters").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            var (purged, released) = await purge.PurgeAsync(age, ct).ConfigureAwait(false);
            await context.Out.WriteLineAsync($"purged {purged} dead letter(s), {released} stored message(s)").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));

        dlq.Subcommands.Add(list);
        dlq.Subcommands.Add(show);
        dlq.Subcommands.Add(replay);
        dlq.Subcommands.Add(purge);
        return dlq;
    }
}
