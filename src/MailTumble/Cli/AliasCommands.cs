using System.CommandLine;
using System.Runtime.CompilerServices;
using MailTumble.Core.Addressing;
using MailTumble.Core.Counters;
using MailTumble.Core.Aliases;
using MailTumble.Core.Feedback;
using MailTumble.Core.Moderation;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Cli;

/// <summary><c>alias add|set|list|show|rm|import|hold|release|disable|enable|reverse</c>.</summary>
internal static class AliasCommands
{
    public static Command Create(CliContext context)
    {
        var alias = new Command("alias", "Manage aliases in the embedded directory");

        var address = new Argument<string>("address") { Description = "The alias, e.g. x7g2@mask.example.com" };
        var target = new Argument<string>("target") { Description = "Where its mail goes, e.g. john@real.example.org, or several: x@real,y@real" };
        var addName = DisplayNameOption();
        var addNote = NoteOption();
        var add = new Command("add", "Create an alias, or change where it forwards") { address, target, addName, addNote };
        add.SetAction((result, ct) => context.RunAsync(async services =>
        {
            var a = AliasKey.Parse(result.GetValue(address)!.Trim());
            var t = AliasTargets.Parse(result.GetValue(target)!);
            var labels = new AliasLabels(result.GetValue(addNote), result.GetValue(addName)).Checked();
            var admin = Admin(services);
            var created = await admin.UpsertAsync(a.Value, t, ct).ConfigureAwait(false);
            if (!labels.IsEmpty)
            {
                await admin.SetLabelsAsync(a.Value, labels, ct).ConfigureAwait(false);
            }

            await context.Out.WriteLineAsync($"{(created ? "added" : "updated")} {a.Value} -> {AliasTargets.Format(t)}{Labelled(labels)}").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));

        var setAddress = new Argument<string>("address") { Description = "The alias" };
        var setName = DisplayNameOption();
        var setNote = NoteOption();
        var set = new Command("set", "Change an alias's display name or note (\"\" clears it); its targets and status stay") { setAddress, setName, setNote };
        set.SetAction((result, ct) => context.RunAsync(async services =>
        {
            var a = AliasKey.Parse(result.GetValue(setAddress)!.Trim());
            var labels = new AliasLabels(result.GetValue(setNote), result.GetValue(setName)).Checked();
            if (labels.IsEmpty)
            {
                await context.Error.WriteLineAsync("mailtumble: alias set needs --display-name or --note").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (!await Admin(services).SetLabelsAsync(a.Value, labels, ct).ConfigureAwait(false))
            {
                await context.Error.WriteLineAsync($"mailtumble: no such alias: {a.Value}").ConfigureAwait(false);
                return ExitCodes.NoUser;
            }

            await context.Out.WriteLineAsync($"updated {a.Value}{Labelled(labels)}").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));

        var removeAddress = new Argument<string>("address") { Description = "The alias to remove" };
        var rm = new Command("rm", "Remove an alias") { removeAddress };
        rm.SetAction((result, ct) => context.RunAsync(async services =>
        {
            var a = result.GetValue(removeAddress)!.Trim();
            if (await Admin(services).RemoveAsync(a, ct).ConfigureAwait(false))
            {
                await context.Out.WriteLineAsync($"removed {a.ToLowerInvariant()}").ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            await context.Error.WriteLineAsync($"mailtumble: no such alias: {a}").ConfigureAwait(false);
            return ExitCodes.NoUser;
        }));

        var prefix = new Option<string?>("--prefix") { Description = "Only aliases starting with this" };
        var list = new Command("list", "List aliases") { prefix };
        list.SetAction((result, ct) => context.RunAsync(async services =>
        {
            var admin = Admin(services);
            string? after = null;
            while (true)
            {
                var page = await admin.ListAsync(result.GetValue(prefix), after, 1000, ct).ConfigureAwait(false);
                foreach (var record in page)
                {
                    await context.Out.WriteLineAsync($"{record.Address}\t{AliasTargets.Format(record.Targets)}\t{record.Status.ToString().ToLowerInvariant()}\tbounces={record.CountBounce} complaints={record.CountComplaint} deliveries={record.CountDelivery}{Listed(record)}").ConfigureAwait(false);
                }

                if (page.Count < 1000)
                {
                    return ExitCodes.Ok;
                }

                after = page[^1].Address;
            }
        }));

        var showAddress = new Argument<string>("address") { Description = "The alias to show" };
        var show = new Command("show", "Show an alias: target, status and feedback counters") { showAddress };
        show.SetAction((result, ct) => context.RunAsync(async services =>
        {
            var a = result.GetValue(showAddress)!.Trim().ToLowerInvariant();
            var lookup = await services.GetRequiredService<IAliasDirectory>().LookupAsync(a, ct).ConfigureAwait(false);
            if (lookup.Outcome == LookupOutcome.TemporaryFailure)
            {
                await context.Error.WriteLineAsync($"mailtumble: directory unavailable: {lookup.Reason}").ConfigureAwait(false);
                return ExitCodes.TempFail;
            }

            if (lookup.Alias is not { } record)
            {
                await context.Error.WriteLineAsync($"mailtumble: no such alias: {a}").ConfigureAwait(false);
                return ExitCodes.NoUser;
            }

            var summary = await services.GetRequiredService<IFeedbackStore>().GetSummaryAsync(record.Address, ct).ConfigureAwait(false);
            var counts = await services.GetRequiredService<AliasCounters>().GetAsync(record.Address, ct).ConfigureAwait(false);
            var subTypes = summary.BounceSubTypes.Count == 0 ? "none" : string.Join(", ", summary.BounceSubTypes.Select(p => $"{p.Key}={p.Value}"));
            await context.Out.WriteLineAsync($"""
                alias            {record.Address}
                target           {Targets(record)}
                status           {AliasRules.Format(record.Status)}
                count_bounce     {record.CountBounce}
                count_complaint  {record.CountComplaint}
                count_delivery   {record.CountDelivery}
                transient        {summary.TransientBounces}
                bounce types     {subTypes}
                display name     {record.DisplayName ?? "(none: replies are From the bare address)"}
                note             {record.Note ?? "(none)"}
                forwarded        {counts.Forwarded}
                replied          {counts.Replied}
                blocked          {counts.Blocked}
                """).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));

        var file = new Argument<FileInfo>("file") { Description = "CSV with alias,target[,display_name[,note[,disabled]]] per line (a header line names the columns or is skipped)" };
        var import = new Command("import", "Create or update aliases from a CSV file") { file };
        import.SetAction((result, ct) => context.RunAsync(async services =>
        {
            var path = result.GetValue(file)!;
            if (!path.Exists)
            {
                await context.Error.WriteLineAsync($"mailtumble: no such file: {path.FullName}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var started = System.Diagnostics.Stopwatch.StartNew();
            var total = await Admin(services).ImportAsync(ReadCsv(path.FullName, ct), new SyncProgress(n => context.Error.Write($"\rimported {n:N0} aliases")), ct).ConfigureAwait(false);
            await context.Error.WriteLineAsync().ConfigureAwait(false);
            await context.Out.WriteLineAsync($"imported {total:N0} aliases in {started.Elapsed.TotalSeconds:0.0} s").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));

        alias.Subcommands.Add(add);
        alias.Subcommands.Add(set);
        alias.Subcommands.Add(list);
        alias.Subcommands.Add(show);
        alias.Subcommands.Add(rm);
        alias.Subcommands.Add(import);
        alias.Subcommands.Add(Status(context, "hold", AliasStatus.Held, "Hold new and queued mail for an alias until approved or rejected"));
        alias.Subcommands.Add(Status(context, "release", AliasStatus.Active, "Forward an alias's mail again (mail already held stays held)"));
        alias.Subcommands.Add(Disable(context));
        alias.Subcommands.Add(Enable(context));
        alias.Subcommands.Add(AliasReverseCommand.Create(context));
        return alias;
    }

    private static Command Status(CliContext context, string name, AliasStatus status, string description)
    {
        var address = new Argument<string>("address") { Description = "The alias" };
        var reason = new Option<string?>("--reason") { Description = "Why, for the log" };
        var command = new Command(name, description) { address, reason };
        command.SetAction((result, ct) => context.RunAsync(async services =>
        {
            var a = AliasKey.Parse(result.GetValue(address)!.Trim());
            if (!await Admin(services).SetStatusAsync(a.Value, status, ct).ConfigureAwait(false))
            {
                await context.Error.WriteLineAsync($"mailtumble: no such alias: {a.Value}").ConfigureAwait(false);
                return ExitCodes.NoUser;
            }

            services.GetRequiredService<ModerationAudit>().AliasStatusSet(a.Value, status, HeldCommands.Actor, result.GetValue(reason));

            var waiting = await services.GetRequiredService<IHeldStore>().CountAsync(new HeldQuery(Alias: a.Value), ct).ConfigureAwait(false);
            await context.Out.WriteLineAsync($"{a.Value} is {status.ToString().ToLowerInvariant()}; {waiting} held message(s) waiting (held list --alias {a.Value})").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>
    /// Reads <c>alias,target[,display_name[,note[,disabled]]]</c> rows. A first line whose first field has no '@' is a
    /// header: when it names the alias and target columns (<c>alias</c>/<c>address</c>, <c>target</c>/<c>targets</c>/<c>email</c>)
    /// its names place the columns (<c>display_name</c>, <c>note</c>, <c>disabled</c>; others are ignored), otherwise it is
    /// skipped. A column a row lacks leaves that value as it is; an empty display name or note clears it.
    /// </summary>
    private static async IAsyncEnumerable<AliasImportLine> ReadCsv(string path, [EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = new StreamReader(path);
        var line = 0;
        int[] columns = [0, 1, 2, 3, 4];
        while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text) || text.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var fields = CsvLine.Split(text);
            if (line == 1 && !fields[0].Contains('@', StringComparison.Ordinal))
            {
                columns = HeaderColumns(fields) ?? columns;
                continue; // header row
            }

            string? Field(int column) => columns[column] >= 0 && columns[column] < fields.Count ? fields[columns[column]] : null;
            if (Field(0) is not { } a || Field(1) is not { } target)
            {
                throw new FormatException($"{path}:{line}: expected 'alias,target'");
            }

            // Several targets: a quoted field with commas ("x@real,y@real") or separated by ';' or spaces.
            var t = string.Join(',', target.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            yield return new AliasImportLine(a.Trim(), t, Field(2), Field(3), Field(4));
        }
    }

    /// <summary>Where a header puts alias, target, display_name, note and disabled (-1: absent); null when it names no alias and target.</summary>
    private static int[]? HeaderColumns(IReadOnlyList<string> header)
    {
        int[] columns = [-1, -1, -1, -1, -1];
        for (var i = 0; i < header.Count; i++)
        {
            var which = header[i].Trim().ToLowerInvariant() switch
            {
                "alias" or "address" => 0,
                "target" or "targets" or "email" => 1,
                "display_name" or "display name" => 2,
                "note" => 3,
                "disabled" => 4,
                _ => -1,
            };
            if (which >= 0 && columns[which] < 0)
            {
                columns[which] = i;
            }
        }

        return columns[0] >= 0 && columns[1] >= 0 ? columns : null;
    }

    private static Option<string?> DisplayNameOption() =>
        new("--display-name") { Description = "The name shown in the From of replies sent from the alias, e.g. \"Shop John\" (\"\" clears it)" };

    private static Option<string?> NoteOption() =>
        new("--note") { Description = "A note for you about the alias; never put in mail (\"\" clears it)" };

    /// <summary>What an add or set changed besides the targets, for its output line.</summary>
    private static string Labelled(AliasLabels labels) =>
        (labels.DisplayName is null ? string.Empty : labels.DisplayName.Length == 0 ? "; display name cleared" : $"; display name \"{labels.DisplayName}\"")
        + (labels.Note is null ? string.Empty : labels.Note.Length == 0 ? "; note cleared" : "; note set");

    /// <summary>The display name and note at the end of a list line, when set.</summary>
    private static string Listed(AliasRecord record) =>
        (record.DisplayName is null ? string.Empty : "\tdisplay_name=" + record.DisplayName)
        + (record.Note is null ? string.Empty : "\tnote=" + record.Note);

    private static Command Disable(CliContext context)
    {
        var address = new Argument<string>("address") { Description = "The alias (or @domain: the catch-all)" };
        var reason = new Option<string?>("--reason") { Description = "Why, for the log" };
        var command = new Command("disable", "Switch an alias off without deleting it: its mail is refused (550 5.2.1), its targets, counts and reverse aliases are kept") { address, reason };
        command.SetAction((result, ct) => context.RunAsync(async services =>
        {
            var a = AliasKey.Parse(result.GetValue(address)!.Trim());
            if (!await Admin(services).SetStatusAsync(a.Value, AliasStatus.Disabled, ct).ConfigureAwait(false))
            {
                await context.Error.WriteLineAsync($"mailtumble: no such alias: {a.Value}").ConfigureAwait(false);
                return ExitCodes.NoUser;
            }

            services.GetRequiredService<ModerationAudit>().AliasStatusSet(a.Value, AliasStatus.Disabled, HeldCommands.Actor, result.GetValue(reason));
            await context.Out.WriteLineAsync($"{a.Value} is disabled: its mail is refused (550 5.2.1), replies through it too; alias enable {a.Value} switches it on").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Enable(CliContext context)
    {
        var address = new Argument<string>("address") { Description = "The alias (or @domain: the catch-all)" };
        var reason = new Option<string?>("--reason") { Description = "Why, for the log" };
        var command = new Command("enable", "Switch a disabled alias on again (active); a held or dead alias stays as it is") { address, reason };
        command.SetAction((result, ct) => context.RunAsync(async services =>
        {
            var a = AliasKey.Parse(result.GetValue(address)!.Trim());
            var admin = Admin(services);
            var enabled = await admin.EnableAsync(a.Value, ct).ConfigureAwait(false);
            var exact = admin as IAliasDirectory ?? services.GetRequiredService<IAliasDirectory>();
            var now = await exact.LookupAsync(a.Value, ct).ConfigureAwait(false);
            if (now.Outcome == LookupOutcome.TemporaryFailure)
            {
                await context.Error.WriteLineAsync($"mailtumble: directory unavailable: {now.Reason}").ConfigureAwait(false);
                return ExitCodes.TempFail;
            }

            if (now.Alias is not { } record || record.Address != a.Value)
            {
                await context.Error.WriteLineAsync($"mailtumble: no such alias: {a.Value}").ConfigureAwait(false);
                return ExitCodes.NoUser;
            }

            if (enabled)
            {
                services.GetRequiredService<ModerationAudit>().AliasStatusSet(a.Value, AliasStatus.Active, HeldCommands.Actor, result.GetValue(reason));
            }

            var status = AliasRules.Format(record.Status);
            await context.Out.WriteLineAsync(
                enabled && record.Status is AliasStatus.Disabled ? $"{a.Value} stays disabled: the directory marks it opted out (optout)"
                : enabled ? $"{a.Value} is enabled: {status}"
                : $"{a.Value} was not disabled; it stays {status}").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The targets as shown: a dead one marked, since mail no longer goes to it.</summary>
    private static string Targets(AliasRecord record) =>
        string.Join(", ", record.Targets.Select(t => record.DeadTargets.Contains(t) ? t + " (dead)" : t));

    private sealed class SyncProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }

    /// <summary>The admin port, or a clear refusal when the configured driver is read-only (map, rest).</summary>
    private static IAliasAdmin Admin(IServiceProvider services) =>
        services.GetService<IAliasAdmin>() ?? throw new ReadOnlyDirectoryException("the configured alias directory (MailTumble:Directory:Driver) is read-only; change its source instead");
}
