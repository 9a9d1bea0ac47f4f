using System.Buffers;
using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using MailTumble.Core.Replies;
using MailTumble.Core.Rewriting;
using MailTumble.Hosting;
using Microsoft.Extensions.Configuration;

namespace MailTumble.Cli;

/// <summary>
/// <c>rewrite --alias A --to T [...] &lt; in.eml &gt; out.eml</c>: prints exactly the bytes the relay would send
/// (rewritten header block, empty line, original body), through the same reader, parser and rewriter.
/// Needs no data directory; the envelope sender is not printed (it is signed per delivery).
/// </summary>
internal static class RewriteCommand
{
    public static Command Create(CliContext context, Func<Stream> stdin)
    {
        var alias = new Option<string>("--alias") { Description = "The alias the message was sent to", Required = true };
        var to = new Option<string>("--to") { Description = "The alias's target", Required = true };
        var envelope = new Option<string>("--envelope-from") { Description = "The original envelope sender", DefaultValueFactory = _ => string.Empty };
        var fromEmail = new Option<string?>("--from-email") { Description = "Overrides FROM_EMAIL (MailTumble:Rewrite:FromEmail)" };
        var prefix = new Option<string?>("--subject-prefix") { Description = "Overrides SUBJECT_PREFIX (MailTumble:Rewrite:SubjectPrefix)" };
        var format = new Option<string?>("--from-format") { Description = "name, name-and-address, address or none" };
        var command = new Command("rewrite", "Dry run: print the message as it would be forwarded") { alias, to, envelope, fromEmail, prefix, format };
        command.SetAction(async (result, ct) =>
        {
            var options = new RewriteOptions();
            context.Configuration.GetSection("MailTumble:Rewrite").Bind(options);
            options.FromEmail = result.GetValue(fromEmail) ?? options.FromEmail;
            options.SubjectPrefix = result.GetValue(prefix) ?? options.SubjectPrefix;
            options.FromFormat = result.GetValue(format) ?? options.FromFormat;
            var validation = new RewriteOptionsValidator().Validate(null, options);
            if (validation.Failed)
            {
                await context.Error.WriteLineAsync("mailtumble: invalid setting: " + string.Join("; ", validation.Failures)).ConfigureAwait(false);
                return ExitCodes.Config;
            }

            var limit = context.Configuration.GetValue("MailTumble:Smtp:MaxMessageBytes", 41_943_040);
            var data = await ReceiveCommand.ReadMessageAsync(stdin(), limit, ct).ConfigureAwait(false);
            if (data is null)
            {
                await context.Error.WriteLineAsync($"mailtumble: 552 5.3.4 message larger than {limit} bytes").ConfigureAwait(false);
                return ExitCodes.DataError;
            }

            var time = TimeProvider.System;
            var id = Guid.CreateVersion7(time.GetUtcNow()).ToString("N");
            var parsed = ParsedMessage.Parse(new ReadOnlySequence<byte>(data));
            var rewritten = new HeaderRewriter(options, time, Masking(context)).Rewrite(parsed, new RewriteInput(result.GetValue(alias)!.Trim(), result.GetValue(to)!.Trim(), result.GetValue(envelope)!.Trim(), id, id));
            if (rewritten.Verdict == RewriteVerdict.Refuse)
            {
                await context.Error.WriteLineAsync("mailtumble: 554 5.6.0 " + rewritten.Reason).ConfigureAwait(false);
                return ExitCodes.DataError;
            }

            if (rewritten.Verdict == RewriteVerdict.Loop)
            {
                await context.Error.WriteLineAsync("mailtumble: would be dead-lettered: " + rewritten.Reason).ConfigureAwait(false);
            }

            await context.Out.FlushAsync(ct).ConfigureAwait(false);
            // Bytes, not text: the body may be 8-bit in any charset. Tests hand in a StreamWriter.
            var output = context.Out is StreamWriter writer ? writer.BaseStream : Console.OpenStandardOutput();
            await output.WriteAsync(rewritten.Headers, ct).ConfigureAwait(false);
            await output.WriteAsync("\r\n"u8.ToArray(), ct).ConfigureAwait(false);
            using var body = new MemoryStream(data, (int)parsed.BodyOffset, data.Length - (int)parsed.BodyOffset, writable: false);
            await CrlfBody.CopyAsync(body, output, ct).ConfigureAwait(false);
            await output.FlushAsync(ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// The relay's reverse aliases when its reply key exists (configured, or in the data directory); otherwise a key
    /// for this run only, so the dry run creates nothing (the addresses then differ from the relay's).
    /// </summary>
    private static TwoWayMasking? Masking(CliContext context)
    {
        var reply = new ReplyOptions();
        context.Configuration.GetSection("MailTumble:Reply").Bind(reply);
        if (!reply.Enabled)
        {
            return null;
        }

        var file = reply.KeyFile ?? Path.Combine(MailTumbleConfiguration.DataDir(context.Configuration), "reply.key");
        var key = !string.IsNullOrEmpty(reply.Key) ? Encoding.UTF8.GetBytes(reply.Key)
            : File.Exists(file) ? File.ReadAllBytes(file)
            : RandomNumberGenerator.GetBytes(32);
        return key.Length >= 16 ? new TwoWayMasking(key) : null;
    }
}
