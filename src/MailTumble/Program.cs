using System.CommandLine;
using MailTumble;
using MailTumble.Cli;
using MailTumble.Hosting;
using Microsoft.Extensions.Options;

return await MailTumbleCli.RunAsync(args, Console.Out, Console.Error, Console.OpenStandardInput).ConfigureAwait(false);

namespace MailTumble
{
    /// <summary>The <c>mailtumble</c> command line.</summary>
    internal static class MailTumbleCli
    {
        /// <param name="args">The command line.</param>
        /// <param name="output">Standard output.</param>
        /// <param name="error">Standard error.</param>
        /// <param name="stdin">Opens standard input.</param>
        /// <param name="configurationOverride">Configuration to use instead of the environment's (tests).</param>
        /// <param name="services">Extra service registrations for the commands, e.g. a log provider (tests).</param>
        public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<Stream> stdin, Microsoft.Extensions.Configuration.IConfigurationRoot? configurationOverride = null, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null)
        {
            Microsoft.Extensions.Configuration.IConfigurationRoot configuration;
            try
            {
                configuration = configurationOverride ?? MailTumbleConfiguration.Build();
            }
            catch (Exception ex) when (ex is InvalidDataException or FormatException or IOException or UnauthorizedAccessException)
            {
                // Most likely mailtumble.json that does not parse.
                return await CliErrors.ReportAsync(error, ex, ExitCodes.Config, CliErrors.Verbose(null), "cannot read settings: ").ConfigureAwait(false);
            }

            var context = new CliContext(configuration, output, error, services);
            var root = new RootCommand("MailTumble: a masked-address mail relay that absorbs bursts and sends at the provider's pace");

            var serve = new Command("serve", "Run the relay: SMTP listener, send-out and HTTP API");
            serve.SetAction(async (_, _) =>
            {
                try
                {
                    return await RelayHost.RunAsync(configuration, output).ConfigureAwait(false);
                }
                catch (Exception ex) when (SettingErrors.Describe(ex, configuration, listening: true) is { } setting)
                {
                    await error.WriteLineAsync("mailtumble: " + setting.Message).ConfigureAwait(false);
                    return setting.Code;
                }
                catch (Exception ex) when (ex is InvalidOperationException or UnauthorizedAccessException or IOException or FormatException)
                {
                    await error.WriteLineAsync("mailtumble: cannot start: " + ex.Message).ConfigureAwait(false);
                    return ExitCodes.Failure;
                }
            });

            root.Subcommands.Add(serve);
            root.Subcommands.Add(AliasCommands.Create(context));
            root.Subcommands.Add(QueueCommands.CreateQueue(context));
            root.Subcommands.Add(DlqCommands.Create(context));
            root.Subcommands.Add(SenderCommands.Create(context));
            root.Subcommands.Add(HeldCommands.Create(context));
            root.Subcommands.Add(ReceiveCommand.Create(context, stdin));
            root.Subcommands.Add(RewriteCommand.Create(context, stdin));
            root.Subcommands.Add(FeedbackCommand.Create(context, stdin));
            root.Subcommands.Add(DkimCommands.Create(context));
            root.Subcommands.Add(ClusterCommands.Create(context));

            // '@domain' is a sender pattern here, not a response file.
            var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
            if (parse.Errors.Count > 0)
            {
                // A usage error is EX_USAGE (64), as the README says, with the parser's reasons on one line each.
                foreach (var problem in parse.Errors)
                {
                    await error.WriteLineAsync("mailtumble: " + problem.Message).ConfigureAwait(false);
                }

                await error.WriteLineAsync($"mailtumble: see '{string.Join(' ', ["mailtumble", .. CommandPath(parse.CommandResult), "--help"])}'").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            // The host handles SIGTERM / Ctrl-C itself so that shutdown can drain; do not let the parser kill the process.
            // Our own last-resort handler instead of System.CommandLine's, which prints the stack trace.
            try
            {
                return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false, Output = output, Error = error }).ConfigureAwait(false);
            }
            catch (Exception ex) when (SettingErrors.Describe(ex, configuration) is { } setting)
            {
                await error.WriteLineAsync("mailtumble: " + setting.Message).ConfigureAwait(false);
                return setting.Code;
            }
            catch (Exception ex)
            {
                return await CliErrors.ReportAsync(error, ex, ExitCodes.Failure, CliErrors.Verbose(configuration)).ConfigureAwait(false);
            }
        }

        /// <summary>The subcommand names from the root down to <paramref name="result"/>, for the help hint.</summary>
        private static IEnumerable<string> CommandPath(System.CommandLine.Parsing.CommandResult result)
        {
            var names = new Stack<string>();
            for (var current = result; current?.Parent is System.CommandLine.Parsing.CommandResult parent; current = parent)
            {
                names.Push(current.Command.Name);
            }

            return names;
        }
    }
}
