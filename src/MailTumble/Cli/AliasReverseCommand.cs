using System.CommandLine;
using MailTumble.Core.Addressing;
using MailTumble.Core.Replies;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Cli;

/// <summary>
/// <c>alias reverse ALIAS ADDRESS</c>: prints the reverse alias through which the alias's owner writes to ADDRESS
/// (to start a conversation through the mask, not only answer one). Works with every directory driver.
/// </summary>
internal static class AliasReverseCommand
{
    public static Command Create(CliContext context)
    {
        var alias = new Argument<string>("alias") { Description = "The alias, e.g. x7g2@mask.example.com" };
        var correspondent = new Argument<string>("address") { Description = "Who the owner writes to, e.g. shop@brand.example" };
        var command = new Command("reverse", "Print the reverse alias the alias's owner writes to ADDRESS through") { alias, correspondent };
        command.SetAction((result, ct) => context.RunAsync(async services =>
        {
            var a = MailAddress.Parse(result.GetValue(alias)!.Trim());
            var c = MailAddress.Parse(result.GetValue(correspondent)!.Trim());
            if (services.GetRequiredService<TwoWayMasking>().Aliases.Create(a.Value, c.Value) is not { } reverse)
            {
                await context.Error.WriteLineAsync($"mailtumble: {c} cannot be carried in a reverse alias of {a} (too long)").ConfigureAwait(false);
                return ExitCodes.DataError;
            }

            await context.Out.WriteLineAsync(reverse).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
