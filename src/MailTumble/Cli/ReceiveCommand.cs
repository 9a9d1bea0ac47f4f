using System.Buffers;
using System.CommandLine;
using MailTumble.Core.Directory;
using MailTumble.Core.Feedback;
using MailTumble.Core.Queue;
using MailTumble.Core.Receiving;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Cli;

/// <summary>
/// <c>receive --from S --to R… &lt; message</c>: the receive pipeline for an MTA pipe transport.
/// Exit 0 accepted, 67 unknown recipient, 75 temporary failure.
/// </summary>
internal static class ReceiveCommand
{
    public static Command Create(CliContext context, Func<Stream> stdin)
    {
        var from = new Option<string>("--from") { Description = "Envelope sender (empty for the null sender)", DefaultValueFactory = _ => string.Empty };
        var to = new Option<string[]>("--to") { Description = "Envelope recipient (repeat for several)", Required = true, AllowMultipleArgumentsPerToken = true };
        var receive = new Command("receive", "Accept one message from standard input, as an MTA pipe transport would") { from, to };
        receive.SetAction((result, ct) => context.RunAsync(async services =>
        {
            var policy = services.GetRequiredService<RecipientPolicy>();
            var aliases = new List<AliasRecord>();
            var reports = new List<string>();
            SmtpReply? temporary = null;
            foreach (var recipient in result.GetValue(to)!)
            {
                var decision = await policy.CheckAsync(recipient.Trim(), ct).ConfigureAwait(false);
                if (decision.Accepted && decision.Alias is null)
                {
                    reports.Add(decision.FeedbackAddress!);
                }
                else if (decision.Accepted)
                {
                    aliases.Add(decision.Alias!);
                }
                else if (decision.Reply.IsTransient)
                {
                    temporary = decision.Reply;
                }
                else
                {
                    await context.Error.WriteLineAsync($"mailtumble: {decision.Reply}").ConfigureAwait(false);
                    return ExitCodes.NoUser;
                }
            }

            if (temporary is not null)
            {
                await context.Error.WriteLineAsync($"mailtumble: {temporary}").ConfigureAwait(false);
                return ExitCodes.TempFail;
            }

            var limit = context.Configuration.GetValue("MailTumble:Smtp:MaxMessageBytes", 41_943_040);
            var data = await ReadMessageAsync(stdin(), limit, ct).ConfigureAwait(false);
            if (data is null)
            {
                await context.Error.WriteLineAsync($"mailtumble: 552 5.3.4 message larger than {limit} bytes").ConfigureAwait(false);
                return ExitCodes.DataError;
            }

            // Bounces and complaints piped in by an MTA are consumed, as the SMTP listener does.
            foreach (var address in reports.Distinct())
            {
                var outcome = await services.GetRequiredService<FeedbackProcessor>().ProcessMailAsync(data, address, FeedbackOrigin.Smtp, ct).ConfigureAwait(false);
                await context.Out.WriteLineAsync($"report to {address}: {outcome}").ConfigureAwait(false);
            }

            if (aliases.Count == 0)
            {
                return ExitCodes.Ok;
            }

            try
            {
                var key = await services.GetRequiredService<MessageReceiver>().ReceiveAsync(result.GetValue(from)!.Trim(), aliases, new ReadOnlySequence<byte>(data), ct).ConfigureAwait(false);
                await context.Out.WriteLineAsync("queued as " + key).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            catch (MessageBlockedException ex)
            {
                await context.Error.WriteLineAsync("mailtumble: 550 " + ex.Message).ConfigureAwait(false);
                return ExitCodes.NoPerm;
            }
            catch (MessageRefusedException ex)
            {
                await context.Error.WriteLineAsync("mailtumble: 554 5.6.0 " + ex.Message).ConfigureAwait(false);
                return ExitCodes.DataError;
            }
            catch (QueueFullException ex)
            {
                await context.Error.WriteLineAsync("mailtumble: 451 4.3.2 " + ex.Message).ConfigureAwait(false);
                return ExitCodes.TempFail;
            }
        }, unexpectedExit: ExitCodes.TempFail));
        return receive;
    }

    /// <summary>Reads the message, turning LF line ends into CRLF (pipes from MTAs use LF); null when too big.</summary>
    internal static async Task<byte[]?> ReadMessageAsync(Stream input, int limit, CancellationToken ct)
    {
        var output = new MemoryStream();
        var buffer = new byte[64 * 1024];
        var previous = (byte)0;
        int read;
        while ((read = await input.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                var b = buffer[i];
                if (b == '\n' && previous != '\r')
                {
                    output.WriteByte((byte)'\r');
                }
                else if (previous == '\r' && b != '\n')
                {
                    output.WriteByte((byte)'\n');
                }

                output.WriteByte(b);
                previous = b;
            }

            if (output.Length > limit)
            {
                return null;
            }
        }

        if (previous == '\r')
        {
            output.WriteByte((byte)'\n');
        }

        return output.ToArray();
    }
}
