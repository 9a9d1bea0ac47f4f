using System.CommandLine;
using MailTumble.Core.Feedback;
using MailTumble.Core.Feedback.Sns;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Cli;

/// <summary><c>feedback ingest FILE|-</c>: an operator replays a saved SES/SNS notification, DSN or ARF report.</summary>
internal static class FeedbackCommand
{
    public static Command Create(CliContext context, Func<Stream> stdin)
    {
        var file = new Argument<string>("file") { Description = "A saved SNS message or SES notification (JSON), or a DSN / ARF report (a mail message); '-' reads standard input" };
        var unsigned = new Option<bool>("--unsigned")
        {
            Description = "Apply an SNS message without checking its topic and signature (a saved envelope you trust whose certificate cannot be fetched here)",
        };
        var ingest = new Command("ingest", "Process one saved bounce, complaint or delivery report with the same code as the live sources") { file, unsigned };
        ingest.SetAction((result, ct) => context.RunAsync(async services =>
        {
            var path = result.GetValue(file)!;
            byte[] content;
            if (path == "-")
            {
                using var buffer = new MemoryStream();
                await stdin().CopyToAsync(buffer, ct).ConfigureAwait(false);
                content = buffer.ToArray();
            }
            else if (!File.Exists(path))
            {
                await context.Error.WriteLineAsync($"mailtumble: no such file: {Path.GetFullPath(path)}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }
            else
            {
                content = await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
            }

            var report = SavedReport.Read(content, services.GetRequiredService<IFeedbackDocumentReader>());

            // An SNS envelope is checked as the HTTP endpoint checks it: anyone can write a file that says "complaint".
            if (!result.GetValue(unsigned))
            {
                string? refused;
                try
                {
                    refused = await services.GetRequiredService<ISnsSubscription>().CheckSavedAsync(report, ct).ConfigureAwait(false);
                }
                catch (SnsUnavailableException ex)
                {
                    await context.Error.WriteLineAsync($"mailtumble: {ex.Message}; try again, or give --unsigned to apply it unchecked").ConfigureAwait(false);
                    return ExitCodes.TempFail;
                }

                if (refused is not null)
                {
                    await context.Error.WriteLineAsync($"mailtumble: refused {refused}; nothing applied (give --unsigned to apply a saved envelope you trust unchecked)").ConfigureAwait(false);
                    return ExitCodes.DataError;
                }
            }

            var outcome = await services.GetRequiredService<FeedbackProcessor>().ProcessDocumentAsync(report, ct).ConfigureAwait(false);
            await context.Out.WriteLineAsync(outcome.ToString()).ConfigureAwait(false);
            foreach (var reason in outcome.Ignored)
            {
                await context.Error.WriteLineAsync("mailtumble: ignored: " + reason).ConfigureAwait(false);
            }

            // Nothing in it was a report at all: bad input (65), so a script sees the file was not what it thought.
            return outcome.NotReports > 0 && outcome.Applied + outcome.Duplicates + outcome.Unattributed == 0 ? ExitCodes.DataError : ExitCodes.Ok;
        }));

        var feedback = new Command("feedback", "Bounces, complaints and deliveries");
        feedback.Subcommands.Add(ingest);
        return feedback;
    }
}
