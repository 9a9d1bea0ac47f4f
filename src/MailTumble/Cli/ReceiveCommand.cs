using System.CommandLine;
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
            var limit = context.Configuration.GetValue("MailTumble:Smtp:MaxMessageBytes", 41_943_040);
            var data = await ReadMessageAsync(stdin(), limit, ct).ConfigureAwait(false);
            if (data is null)
            {
                await context.Error.WriteLineAsync($"mailtumble: 552 5.3.4 message larger than {limit} bytes").ConfigureAwait(false);
                return ExitCodes.DataError;
            }

            var envelope = new IntakeEnvelope(result.GetValue(from)!.Trim(), IntakeOrigin.Pipe);
            var outcome = await services.GetRequiredService<MessageIntake>().ReceiveAsync(envelope, result.GetValue(to)!, MessageSource.FromMemory(data), ct).ConfigureAwait(false);
            foreach (var report in outcome.Recipients.Where(r => r.Disposition == RecipientDisposition.Report))
            {
                await context.Out.WriteLineAsync(report.Reply.Text[6..]).ConfigureAwait(false);
            }

            if (outcome.Accepted)
            {
                if (outcome.Recipients.Any(r => r.Disposition != RecipientDisposition.Report))
                {
                    await context.Out.WriteLineAsync(outcome.Reply.Text["2.0.0 Ok: ".Length..]).ConfigureAwait(false);
                }

                return ExitCodes.Ok;
            }

            await context.Error.WriteLineAsync($"mailtumble: {outcome.Reply}").ConfigureAwait(false);
            return ExitCode(outcome.Reply);
        }, unexpectedExit: ExitCodes.TempFail));
        return receive;
    }

    /// <summary>The exit code an MTA pipe transport understands for the intake's reply.</summary>
    internal static int ExitCode(SmtpReply reply) => reply switch
    {
        { IsSuccess: true } => ExitCodes.Ok,
        { IsTransient: true } => ExitCodes.TempFail,
        { Code: 550 } when reply.Text.StartsWith("5.7.1 ", StringComparison.Ordinal) => ExitCodes.NoPerm, // a sender rule blocks it
        _ when reply.Text.StartsWith("5.1.", StringComparison.Ordinal) || reply.Text.StartsWith("5.2.", StringComparison.Ordinal)
            || reply.Text.StartsWith("5.7.1 ", StringComparison.Ordinal) => ExitCodes.NoUser, // unknown, dead, disabled, not ours
        _ => ExitCodes.DataError,
    };

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
