using System.CommandLine;
using MailTumble.Core.Signing;
using MailTumble.Hosting;

namespace MailTumble.Cli;

/// <summary>
/// <c>dkim keygen --domain D --selector S</c>: writes a new RSA key to <c>{KeyDirectory}/{S}/{D}.pem</c> (owner-only)
/// and prints the DNS TXT record to publish. An existing key is kept unless <c>--force</c>.
/// </summary>
internal static class DkimCommands
{
    public static Command Create(CliContext context)
    {
        var dkim = new Command("dkim", "DKIM signing keys for outbound mail");
        var domain = new Option<string>("--domain") { Description = "The domain mail is signed for (the From domain), e.g. mask.example.com", Required = true };
        var selector = new Option<string>("--selector") { Description = "The selector, e.g. mt1 (DNS name mt1._domainkey.DOMAIN)", Required = true };
        var bits = new Option<int>("--bits") { Description = "RSA key size (2048 by default; 1024 to 4096)", DefaultValueFactory = _ => 2048 };
        var force = new Option<bool>("--force") { Description = "Replace an existing key (the published record must change too)" };
        var keygen = new Command("keygen", "Create a signing key and print the DNS TXT record to publish") { domain, selector, bits, force };
        keygen.SetAction(async (result, ct) =>
        {
            var d = result.GetValue(domain)!.Trim().TrimEnd('.').ToLowerInvariant();
            var s = result.GetValue(selector)!.Trim();
            var size = result.GetValue(bits);
            if (!DkimKeys.IsValidDomain(d))
            {
                await context.Error.WriteLineAsync($"mailtumble: --domain '{d}' is not a domain name").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (!DkimKeys.IsValidSelector(s))
            {
                await context.Error.WriteLineAsync($"mailtumble: --selector '{s}' is not a DNS label (letters, digits, '-')").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (size is < 1024 or > 4096)
            {
                await context.Error.WriteLineAsync("mailtumble: --bits must be between 1024 and 4096").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var options = new DkimOptions();
            ServiceComposition.BindDkim(context.Configuration.GetSection("MailTumble"), MailTumbleConfiguration.DataDir(context.Configuration), options);
            var file = DkimKeys.PathOf(options.KeyDirectory!, s, d);
            if (File.Exists(file) && !result.GetValue(force))
            {
                await context.Error.WriteLineAsync($"mailtumble: {file} already exists; --force replaces it (publish the new record before mail is signed with it)").ConfigureAwait(false);
                return ExitCodes.CantCreate;
            }

            var (pem, publicKey) = DkimKeys.Generate(size);
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                var temporary = file + ".tmp";
                var write = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
                if (!OperatingSystem.IsWindows())
                {
                    write.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                var stream = new FileStream(temporary, write);
                await using (stream.ConfigureAwait(false))
                {
                    await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(pem + "\n"), ct).ConfigureAwait(false);
                    stream.Flush(flushToDisk: true);
                }

                File.Move(temporary, file, overwrite: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await context.Error.WriteLineAsync($"mailtumble: cannot write {file}: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.CantCreate;
            }

            await context.Out.WriteLineAsync($"wrote {file}").ConfigureAwait(false);
            await context.Out.WriteLineAsync($"publish this TXT record, then set MailTumble:Dkim:Selector={s}:").ConfigureAwait(false);
            await context.Out.WriteLineAsync(DkimKeys.ZoneLine(s, d, publicKey)).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        dkim.Subcommands.Add(keygen);
        return dkim;
    }
}
