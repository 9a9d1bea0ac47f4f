using System.CommandLine;
using System.Globalization;
using MailTumble.Core.Moderation;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Cli;

/// <summary><c>sender hold|block|allow|list|rm|first-contact</c>.</summary>
internal static class SenderCommands
{
    public static Command Create(CliContext context)
    {
        var sender = new Command("sender", "Sender rules: hold, block or allow an address or @domain, globally or for one alias");
        sender.Subcommands.Add(Set(context, SenderRuleAction.Hold, "Hold mail from this sender for moderation"));
        sender.Subcommands.Add(Set(context, SenderRuleAction.Block, "Refuse mail from this sender (550 5.7.1), or drop it with --silent"));
        sender.Subcommands.Add(Set(context, SenderRuleAction.Allow, "Forward mail from this sender; overrides a hold and first contact"));

        var listAlias = new Option<string?>("--alias") { Description = "Only the global rules and this alias's" };
        var list = new Command("list", "List sender rules") { listAlias };
        list.SetAction((result, ct) => context.RunAsync(async services =>
        {
            foreach (var r in await services.GetRequiredService<ISenderRuleStore>().ListAsync(result.GetValue(listAlias)?.Trim(), ct).ConfigureAwait(false))
            {
                await context.Out.WriteLineAsync($"{r.Action.ToString().ToLowerInvariant()}{(r.Silent ? " --silent" : string.Empty)}\t{r.Pattern}\t{r.Alias ?? "*"}\t{r.CreatedAt.ToString("u", CultureInfo.InvariantCulture)} by {r.CreatedBy}{(r.Note is null ? string.Empty : "\t" + r.Note)}").ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        }));
        sender.Subcommands.Add(list);

        var rmPattern = new Argument<string>("sender") { Description = "The address or @domain" };
        var rmAlias = new Option<string?>("--alias") { Description = "The alias the rule is for (default: the global rule)" };
        var rm = new Command("rm", "Remove a sender rule") { rmPattern, rmAlias };
        rm.SetAction((result, ct) => context.RunAsync(async services =>
        {
            var pattern = SenderPattern.Parse(result.GetValue(rmPattern)!);
            var scope = result.GetValue(rmAlias)?.Trim().ToLowerInvariant();
            if (await services.GetRequiredService<ISenderRuleStore>().RemoveAsync(pattern, scope, ct).ConfigureAwait(false))
            {
                services.GetRequiredService<ModerationAudit>().SenderRuleRemoved(pattern, scope, HeldCommands.Actor);
                await context.Out.WriteLineAsync($"removed {pattern}").ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            await context.Error.WriteLineAsync($"mailtumble: no such sender rule: {pattern}").ConfigureAwait(false);
            return ExitCodes.NoUser;
        }));
        sender.Subcommands.Add(rm);

        var state = new Argument<string>("state") { Description = "on, off, or default (use MailTumble:Moderation:FirstContact)" };
        state.AcceptOnlyFromAmong("on", "off", "default");
        var fcAlias = new Option<string?>("--alias") { Description = "For this alias only (default: for every alias)" };
        var firstContact = new Command("first-contact", "Hold the first message from each sender an alias has not had mail from") { state, fcAlias };
        firstContact.SetAction((result, ct) => context.RunAsync(async services =>
        {
            bool? enabled = result.GetValue(state) switch { "on" => true, "off" => false, _ => null };
            var scope = result.GetValue(fcAlias)?.Trim().ToLowerInvariant();
            await services.GetRequiredService<ISenderRuleStore>().SetFirstContactAsync(scope, enabled, ct).ConfigureAwait(false);
            services.GetRequiredService<ModerationAudit>().FirstContactSet(scope, enabled, HeldCommands.Actor);
            await context.Out.WriteLineAsync($"first-contact {result.GetValue(state)} for {scope ?? "every alias"}").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        sender.Subcommands.Add(firstContact);
        return sender;
    }

    private static Command Set(CliContext context, SenderRuleAction action, string description)
    {
        var pattern = new Argument<string>("sender") { Description = "An address (a@shop.example) or a domain (@shop.example)" };
        var alias = new Option<string?>("--alias") { Description = "Only for this alias (default: every alias)" };
        var note = new Option<string?>("--note") { Description = "Why, for the record" };
        var silent = new Option<bool>("--silent") { Description = "Accept and drop instead of refusing with 550" };
        var command = new Command(action.ToString().ToLowerInvariant(), description) { pattern, alias, note };
        if (action == SenderRuleAction.Block)
        {
            command.Options.Add(silent);
        }

        command.SetAction((result, ct) => context.RunAsync(async services =>
        {
            var rule = new SenderRule(
                SenderPattern.Parse(result.GetValue(pattern)!),
                result.GetValue(alias)?.Trim().ToLowerInvariant(),
                action,
                action == SenderRuleAction.Block && result.GetValue(silent),
                services.GetRequiredService<TimeProvider>().GetUtcNow(),
                HeldCommands.Actor,
                result.GetValue(note));
            await services.GetRequiredService<ISenderRuleStore>().SetAsync(rule, ct).ConfigureAwait(false);
            services.GetRequiredService<ModerationAudit>().SenderRuleSet(rule);
            await context.Out.WriteLineAsync(rule.ToString()).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
