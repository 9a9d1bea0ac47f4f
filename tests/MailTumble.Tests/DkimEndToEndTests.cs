using System.Text;
using System.Text.RegularExpressions;
using MailTumble.Testing;
using MailTumble.Testing.Replies;
using MimeKit;
using Xunit.Abstractions;

namespace MailTumble.Tests;

/// <summary>
/// DKIM signing end to end: <c>mailtumble dkim keygen</c> writes the key and prints the record, the relay signs what it
/// sends for the domain (forwarded mail and replies, over real SMTP on loopback), and an independent implementation
/// (Python's dkimpy) verifies the delivered bytes against the printed record.
/// </summary>
public sealed class DkimEndToEndTests(ITestOutputHelper output)
{
    private const string Alias = "x7g2@mask.example.com";
    private const string Owner = "john@real.example.org";

    [SkippableFact]
    public async Task Forwarded_mail_and_replies_are_signed_for_the_alias_domain_and_dkimpy_verifies_them_against_the_printed_record()
    {
        DkimPy.Require();
        using var keys = new TempDirectory();
        var (code, printed) = await KeygenAsync(keys.Path, "--domain", "mask.example.com", "--selector", "mt1");
        Assert.Equal(0, code);
        Assert.True(File.Exists(Path.Combine(keys.Path, "dkim", "mt1", "mask.example.com.pem")), printed);
        var (name, record) = ParseRecord(printed);
        Assert.Equal("mt1._domainkey.mask.example.com", name);
        Assert.StartsWith("v=DKIM1; k=rsa; p=", record, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(keys.Path, "dkim", "mt1", "mask.example.com.pem")));
        }

        // A second keygen keeps the published key.
        Assert.Equal(73, (await KeygenAsync(keys.Path, "--domain", "mask.example.com", "--selector", "mt1")).Code);

        await using var relay = await RelayFixture.StartAsync(new()
        {
            ["MailTumble:Dkim:Selector"] = "mt1",
            ["MailTumble:Dkim:KeyDirectory"] = Path.Combine(keys.Path, "dkim"),
        });
        await relay.AddAliasAsync(Alias, Owner);

        // Forwarded: a plain message without MIME-Version, with a subject MailTumble prefixes and a folded field.
        var original = "From: Brand Shop <shop@brand.example>\r\nTo: x7g2@mask.example.com\r\nCc: Bob <bob@other.example>\r\n"
            + "Subject: =?UTF-8?Q?Ihre_Bestellung_=C3=BCber_4_Artikel?=\r\nDate: Sat, 28 Nov 2026 12:00:00 +0000\r\nMessage-ID: <m1@brand.example>\r\n"
            + "X-Campaign: spring\r\n  2026\r\n\r\nYour order has shipped.\nBare LF line ends, trailing blanks   \n\n\n";
        Assert.StartsWith("250", (await RelaySmtp.TransactAsync(relay.SmtpPort, "shop@brand.example", [Alias], original)).Data);
        var forwarded = Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(20)));
        var verdict = await DkimPy.VerifyAsync(forwarded.Data, name, record);
        Assert.True(verdict.Pass, "dkimpy on the forwarded message: " + verdict.Output + "\n" + forwarded.Text);
        Assert.StartsWith("pass mask.example.com from:to:subject:date:message-id:mime-version:content-type:reply-to", verdict.Output, StringComparison.Ordinal);

        // The owner answers all (Outlook: base64 HTML part, a quoted header block naming the owner): both correspondents
        // get a signed reply from the alias.
        var message = MimeMessage.Load(new MemoryStream(forwarded.Data));
        var to = string.Join(", ", message.ReplyTo.Mailboxes.Concat(message.Cc.Mailboxes));
        var reply = ReplySamples.Outlook(Owner, "John Smith", to, $"Brand Shop <{Alias}>", message.MessageId!);
        var recipients = message.ReplyTo.Mailboxes.Concat(message.Cc.Mailboxes).Select(m => m.Address).ToList();
        Assert.StartsWith("250", (await RelaySmtp.TransactAsync(relay.SmtpPort, Owner, recipients, reply)).Data);
        var replies = (await relay.Sink.WaitForAsync(3, TimeSpan.FromSeconds(20))).Skip(1).ToList();
        Assert.Equal(["bob@other.example", "shop@brand.example"], replies.SelectMany(m => m.To).Order(StringComparer.Ordinal));
        foreach (var mail in replies)
        {
            var result = await DkimPy.VerifyAsync(mail.Data, name, record);
            Assert.True(result.Pass, "dkimpy on a reply: " + result.Output + "\n" + mail.Text);
            Assert.Empty(Leaks.Find(mail.Data, Owner));
        }

        var shop = replies.Single(m => m.To.Single() == "shop@brand.example");
        output.WriteLine("Delivered reply (header section):");
        output.WriteLine(shop.Text[..shop.Text.IndexOf("\r\n\r\n", StringComparison.Ordinal)]);

        // The check can fail: a changed subject, or a changed body, does not verify.
        var tampered = Encoding.Latin1.GetBytes(Regex.Replace(shop.Text, "(?m)^Subject: .*$", "Subject: Re: refund to IBAN XX00"));
        Assert.False((await DkimPy.VerifyAsync(tampered, name, record)).Pass);
        var body = Encoding.Latin1.GetBytes(shop.Text.Replace("Great, thanks.", "Great, thanks!", StringComparison.Ordinal));
        Assert.NotEqual(shop.Data, body);
        Assert.False((await DkimPy.VerifyAsync(body, name, record)).Pass);
    }

    [Fact]
    public async Task Without_the_selector_nothing_is_signed_and_a_selector_without_keys_stops_start_up_naming_the_setting()
    {
        await using (var relay = await RelayFixture.StartAsync())
        {
            await relay.AddAliasAsync(Alias, Owner);
            var original = "From: Brand Shop <shop@brand.example>\r\nTo: x7g2@mask.example.com\r\nSubject: hi\r\nMessage-ID: <m1@brand.example>\r\n\r\nHello.\r\n";
            Assert.StartsWith("250", (await RelaySmtp.TransactAsync(relay.SmtpPort, "shop@brand.example", [Alias], original)).Data);
            var mail = Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(20)));
            Assert.Null(mail.Header("DKIM-Signature"));
        }

        using var empty = new TempDirectory();
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => RelayFixture.StartAsync(new()
        {
            ["MailTumble:Dkim:Selector"] = "mt1",
            ["MailTumble:Dkim:KeyDirectory"] = empty.Path,
        }));
        Assert.Contains("MailTumble:Dkim:Selector is 'mt1'", failure.ToString(), StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output)> KeygenAsync(string dataDir, params string[] arguments)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var configuration = Hosting.MailTumbleConfiguration.Build(new Dictionary<string, string?> { ["MailTumble:DataDir"] = dataDir, ["Logging:LogLevel:Default"] = "Warning" });
        var code = await MailTumbleCli.RunAsync(["dkim", "keygen", .. arguments], output, error, () => Stream.Null, configuration);
        return (code, output.ToString() + error);
    }

    /// <summary>The record's DNS name and value (its strings joined) from the zone line keygen printed.</summary>
    private static (string Name, string Value) ParseRecord(string printed)
    {
        var line = printed.Split('\n').Select(l => l.Trim()).Single(l => l.Contains("._domainkey.", StringComparison.Ordinal));
        var name = line[..line.IndexOf(' ', StringComparison.Ordinal)].TrimEnd('.');
        var value = string.Concat(Regex.Matches(line, "\"([^\"]*)\"").Select(m => m.Groups[1].Value));
        return (name, value);
    }
}
