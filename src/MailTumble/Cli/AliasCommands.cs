using System.CommandLine;
using System.Runtime.CompilerServices;
using MailTumble.Core.Addressing;
using MailTumble.Core.Counters;
using MailTumble.Core.Directory;
using MailTumble.Core.Feedback;
using MailTumble.Core.Moderation;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Cli;

/// <summary><c>alias add|list|show|rm|import|hold|release|reverse</c>.</summary>
internal static class AliasCommands
{
    public static Command Create(CliContext context)
    {
        var alias = new Command("alias", "Manage aliases in the embedded directory");

        var address = new Argument<string>("address") { Description = "The alias, e.g. x7g2@mask.example.com" };
        var target = new Argument<string>("target") { Description = "Where its mail goes, e.g. john@real.example.org, or several: x@real,y@real" };
        var add = new Command("add", "Create an alias, or change where it forwards") { address, target };
        add.SetAction((result, ct) => context.RunAsync(async services =>
        {
            var a = AliasKey.Parse(result.GetValue(address)!.Trim());
            var t = AliasTargets.Parse(result.GetValue(target)!);
            var created = await Admin(services).UpsertAsync(a.Value, t, ct).ConfigureAwait(false);
            await context.Out.WriteLineAsync($"{(created ? "added" : "updated")} {a.Value} -> {AliasTargets.Format(t)}").ConfigureAwait(false);
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
                    await context.Out.WriteLineAsync($"{record.Address}\t{AliasTargets.Format(record.Targets)}\t{record.Status.ToString().ToLowerInvariant()}\tbounces={record.CountBounce} complaints={record.CountComplaint} deliveries={record.CountDelivery}").ConfigureAwait(false);
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
                forwarded        {counts.Forwarded}
                replied          {counts.Replied}
                blocked          {counts.Blocked}
                """).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));

        var file = new Argument<FileInfo>("file") { Description = "CSV with alias,target per line (a header line is skipped)" };
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
        alias.Subcommands.Add(list);
        alias.Subcommands.Add(show);
        alias.Subcommands.Add(rm);
        alias.Subcommands.Add(import);
        alias.Subcommands.Add(Status(context, "hold", AliasStatus.Held, "Hold new and queued mail for an alias until approved or rejected"));
        alias.Subcommands.Add(Status(context, "release", AliasStatus.Active, "Forward an alias's mail again (mail already held stays held)"));
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

    private static async IAsyncEnumerable<(string Address, string Target)> ReadCsv(string path, [EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = new StreamReader(path);
        var line = 0;
        while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text) || text.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var fields = CsvLine.Split(text);
            if (fields.Count < 2)
            {
                throw new FormatException($"{path}:{line}: expected 'alias,target'");
            }

            var a = fields[0].Trim();
            // Several targets: a quoted field with commas ("x@real,y@real") or separated by ';' or spaces.
            var t = string.Join(',', fields[1].Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            if (line == 1 && !a.Contains('@', StringComparison.Ordinal))
            {
                continue; // header row
            }

            yield return (a, t);
        }
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
