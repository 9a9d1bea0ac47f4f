using System.CommandLine;
using System.Globalization;
using MailTumble.Core.Moderation;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Cli;

/// <summary><c>held list|show|approve|reject</c>.</summary>
internal static class HeldCommands
{
    public static Command Create(CliContext context)
    {
        var held = new Command("held", "Held mail: list, show, approve or reject");
        held.Subcommands.Add(List(context));
        held.Subcommands.Add(Show(context));
        held.Subcommands.Add(Decide(context, approve: true));
        held.Subcommands.Add(Decide(context, approve: false));
        return held;
    }

    /// <summary>Who decided, for the record: the local user.</summary>
    public static string Actor => "cli:" + Environment.UserName;

    private static Command List(CliContext context)
    {
        var alias = new Option<string?>("--alias") { Description = "Only mail for this alias" };
        var sender = new Option<string?>("--sender") { Description = "Only mail from this address or @domain" };
        var olderThan = new Option<string?>("--older-than") { Description = "Only mail held longer than this (30m, 12h, 7d)" };
        var decided = new Option<bool>("--decided") { Description = "Also show approved and rejected entries" };
        var list = new Command("list", "List held mail, oldest first: id, received, sender, alias, subject, size") { alias, sender, olderThan, decided };
        list.SetAction((result, ct) => context.RunAsync(async services =>
        {
            var query = Query(services, null, result.GetValue(alias), result.GetValue(sender), result.GetValue(olderThan)) with { IncludeDecided = result.GetValue(decided) };
            foreach (var h in await services.GetRequiredService<IHeldStore>().ListAsync(query, ct).ConfigureAwait(false))
            {
                var state = h.State == HeldState.Held ? string.Empty : "\t" + h.State.ToString().ToLowerInvariant();
                await context.Out.WriteLineAsync($"{h.Id}\t{h.Item.ReceivedAt:u}\t{h.Sender}\t{h.Item.Alias}\t{h.Subject}\t{h.Size}{state}").ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        }));
        return list;
    }

    private static Command Show(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "The held entry's id" };
        var show = new Command("show", "Show a held message: who, why, the decision, its headers and a text preview") { id };
        show.SetAction((result, ct) => context.RunAsync(async services =>
        {
            var details = await services.GetRequiredService<Moderator>().ShowAsync(result.GetValue(id)!.Trim(), 2000, ct).ConfigureAwait(false);
            if (details is null)
            {
                await context.Error.WriteLineAsync($"mailtumble: no such held message: {result.GetValue(id)}").ConfigureAwait(false);
                return ExitCodes.NoUser;
            }

            var h = details.Message;
            var decision = h.Decision is { } d
                ? $"{d.State.ToString().ToLowerInvariant()} by {d.By} at {d.At.ToString("u", CultureInfo.InvariantCulture)}{(d.Reason is null ? string.Empty : ": " + d.Reason)}"
                : "waiting";
            await context.Out.WriteLineAsync($"""
                id        {h.Id}
                alias     {h.Item.Alias} -> {h.Item.Recipient}
                sender    {h.Sender} (envelope <{h.EnvelopeSender}>)
                subject   {h.Subject}
                size      {h.Size}
                received  {h.Item.ReceivedAt.ToString("u", CultureInfo.InvariantCulture)}
                held      {h.HeldAt.ToString("u", CultureInfo.InvariantCulture)}: {h.Reason}
                decision  {decision}

                {details.Headers.TrimEnd()}

                {details.Preview}
                """).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return show;
    }

    private static Command Decide(CliContext context, bool approve)
    {
        var ids = new Argument<string[]>("id") { Description = "Held entry ids", Arity = ArgumentArity.ZeroOrMore };
        var alias = new Option<string?>("--alias") { Description = "Every held message for this alias" };
        var sender = new Option<string?>("--sender") { Description = "Every held message from this address or @domain" };
        var olderThan = new Option<string?>("--older-than") { Description = "Only mail held longer than this (30m, 12h, 7d)" };
        var all = new Option<bool>("--all") { Description = "Every held message" };
        var reason = new Option<string?>("--reason") { Description = "Why, for the record" };
        var allowSender = new Option<bool>("--allow-sender") { Description = "Also allow each sender for that alias from now on" };
        var command = approve
            ? new Command("approve", "Queue held mail at once, ahead of bulk mail") { ids, alias, sender, olderThan, all, reason, allowSender }
            : new Command("reject", "Reject held mail; it is never sent") { ids, alias, sender, olderThan, all, reason };
        command.SetAction((result, ct) => context.RunAsync(async services =>
        {
            var chosen = result.GetValue(ids) ?? [];
            if (chosen.Length == 0 && !result.GetValue(all) && result.GetValue(alias) is null && result.GetValue(sender) is null && result.GetValue(olderThan) is null)
            {
                await context.Error.WriteLineAsync("mailtumble: name held ids, or --alias, --sender, --older-than, or --all").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            // Ids that name nothing waiting are the operator's mistake: said, and exit 67, never a quiet "approved 0".
            var named = chosen.Select(i => i.Trim()).Distinct(StringComparer.Ordinal).ToList();
            var missing = new List<string>();
            foreach (var id in named)
            {
                var entry = await services.GetRequiredService<IHeldStore>().GetAsync(id, ct).ConfigureAwait(false);
                if (entry is null || entry.State != HeldState.Held)
                {
                    missing.Add(entry is null ? $"{id} (no such held message)" : $"{id} (already {entry.State.ToString().ToLowerInvariant()})");
                }
            }

            var query = Query(services, chosen.Length == 0 ? null : chosen, result.GetValue(alias), result.GetValue(sender), result.GetValue(olderThan));
            var moderator = services.GetRequiredService<Moderator>();
            var count = named.Count > 0 && missing.Count == named.Count ? 0
                : approve
                ? await moderator.ApproveAsync(query, Actor, result.GetValue(reason), result.GetValue(allowSender), ct).ConfigureAwait(false)
                : await moderator.RejectAsync(query, Actor, result.GetValue(reason), ct).ConfigureAwait(false);
            await context.Out.WriteLineAsync($"{(approve ? "approved" : "rejected")} {count}").ConfigureAwait(false);
            if (missing.Count > 0)
            {
                await context.Error.WriteLineAsync($"mailtumble: not {(approve ? "approved" : "rejected")}: {string.Join(", ", missing)}").ConfigureAwait(false);
                return ExitCodes.NoUser;
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static HeldQuery Query(IServiceProvider services, IReadOnlyCollection<string>? ids, string? alias, string? sender, string? olderThan) => new(
        Ids: ids?.Select(i => i.Trim()).ToList(),
        Alias: alias?.Trim().ToLowerInvariant(),
        Sender: sender is null ? null : SenderPattern.Parse(sender),
        HeldBefore: olderThan is null ? null : services.GetRequiredService<TimeProvider>().GetUtcNow() - Durations.Parse(olderThan));
}
