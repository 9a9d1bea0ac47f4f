using System.Text;
using MailTumble.Core.Sending;
using MailTumble.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Tests;

/// <summary>
/// What reaches the smarthost, byte for byte: real-world messages from the golden suite go through the relay
/// over SMTP, and every header field the rewriter does not own (MIME fields, Bcc, custom fields) arrives
/// unchanged and in order, with the body untouched.
/// </summary>
public sealed class WireFidelityTests : IAsyncLifetime
{
    // Fields the rewriter writes, replaces or removes; everything else must be passed through as received.
    private static readonly HashSet<string> Owned = new(StringComparer.OrdinalIgnoreCase)
    {
        "Received", "X-MailTumble-Loop", "From", "Reply-To", "Subject", "Message-ID",
        "Return-Path", "Sender", "DKIM-Signature", "Delivered-To", "X-Original-To",
    };

    private RelayFixture _relay = null!;

    public async Task InitializeAsync()
    {
        _relay = await RelayFixture.StartAsync(new() { ["FROM_EMAIL"] = "relay@mask.example.com", ["SUBJECT_PREFIX"] = "[masked]" });
        await _relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
    }

    public Task DisposeAsync() => _relay.DisposeAsync().AsTask();

    [Theory]
    [InlineData("multipart-attachment.eml")]
    [InlineData("html-alternative.eml")]
    [InlineData("iso-8859-1.eml")]
    [InlineData("shift-jis.eml")]
    [InlineData("cp850.eml")]
    [InlineData("eight-bit-headers.eml")]
    [InlineData("plain-text.eml")]
    [InlineData("removals.eml")]
    [InlineData("three-dkim-signatures.eml")]
    [InlineData("reply-to-odd-case.eml")]
    [InlineData("header-like-body.eml")]
    public async Task Every_field_the_rewriter_does_not_own_and_the_body_arrive_unchanged(string name)
    {
        var input = await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "Golden", name));
        var extra = "Bcc: hidden@brand.example\r\nContent-Length: 12\r\nX-Custom: kept\r\n"u8.ToArray();
        var message = extra.Concat(input).ToArray();

        await using (var client = await SmtpWireClient.ConnectAsync(_relay.SmtpPort))
        {
            Assert.StartsWith("220", await client.ReadReplyAsync());
            Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"));
            Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<shop@brand.example> BODY=8BITMIME"));
            Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<x7g2@mask.example.com>"));
            Assert.StartsWith("354", await client.CommandAsync("DATA"));
            await client.SendAsync(Encoding.Latin1.GetString(DotStuff(message)) + ".\r\n");
            Assert.StartsWith("250", await client.ReadReplyAsync());
        }

        var sent = Assert.Single(await _relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(20))).Data;
        var (inHeaders, inBody) = Split(message);
        var (outHeaders, outBody) = Split(sent);
        Assert.Equal(NotOwned(inHeaders), NotOwned(outHeaders));
        // The sink hands over the data without the CRLF that precedes the final dot.
        Assert.Equal(Encoding.Latin1.GetString(inBody).TrimEnd('\r', '\n'), Encoding.Latin1.GetString(outBody).TrimEnd('\r', '\n'));
        Assert.Single(outHeaders, f => f.StartsWith("From:", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("eight-bit-headers.eml", true)]
    [InlineData("plain-text.eml", false)]
    public async Task SMTPUTF8_is_asked_for_exactly_when_the_headers_carry_8_bit_bytes(string name, bool utf8)
    {
        var input = await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "Golden", name));
        await using (var client = await SmtpWireClient.ConnectAsync(_relay.SmtpPort))
        {
            await client.ReadReplyAsync();
            await client.CommandAsync("EHLO client.test");
            await client.CommandAsync("MAIL FROM:<shop@brand.example> BODY=8BITMIME");
            await client.CommandAsync("RCPT TO:<x7g2@mask.example.com>");
            await client.CommandAsync("DATA");
            await client.SendAsync(Encoding.Latin1.GetString(DotStuff(input)) + ".\r\n");
            Assert.StartsWith("250", await client.ReadReplyAsync());
        }

        var mail = Assert.Single(await _relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(20)));
        Assert.Equal(utf8, mail.Parameters.ContainsKey("SMTPUTF8"));
    }

    [Fact]
    public async Task A_body_with_bare_line_ends_goes_out_with_CRLF_and_nothing_else_changed()
    {
        // SMTP ingress refuses bare LFs, but a stored message from S3 or a pipe may have them.
        var sender = _relay.Services.GetRequiredService<IMailSender>();
        var message = new PreparedMessage("d1", "relay@mask.example.com", "john@real.example.org", "Subject: lf\r\n"u8.ToArray(), new MemoryStream(Encoding.Latin1.GetBytes("line one\nline two caf\u00e9\n.dot line\rlast")));
        Assert.Equal(SendOutcome.Sent, (await sender.SendAsync(message, default)).Outcome);

        var mail = Assert.Single(await _relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(20)));
        Assert.EndsWith("\r\n\r\nline one\r\nline two caf\u00e9\r\n.dot line\r\nlast", mail.Text, StringComparison.Ordinal);
        Assert.DoesNotMatch("[^\r]\n", mail.Text);
    }

    private static byte[] DotStuff(byte[] message)
    {
        var text = Encoding.Latin1.GetString(message);
        var stuffed = (text.StartsWith('.') ? "." : string.Empty) + text.Replace("\r\n.", "\r\n..", StringComparison.Ordinal);
        return Encoding.Latin1.GetBytes(stuffed.EndsWith("\r\n", StringComparison.Ordinal) ? stuffed : stuffed + "\r\n");
    }

    private static List<string> NotOwned(List<string> fields) =>
        fields.Where(f => !Owned.Contains(f[..f.IndexOf(':', StringComparison.Ordinal)].TrimEnd())).ToList();

    /// <summary>Header fields as raw text (folded lines kept with their CRLFs) and the body bytes.</summary>
    private static (List<string> Fields, byte[] Body) Split(byte[] message)
    {
        var text = Encoding.Latin1.GetString(message);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var header = text[..(end + 2)];
        var body = message.AsSpan(end + 4).ToArray();
        var fields = new List<string>();
        foreach (var line in header.Split("\r\n")[..^1])
        {
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t') && fields.Count > 0)
            {
                fields[^1] += "\r\n" + line;
            }
            else
            {
                fields.Add(line);
            }
        }

        return (fields, body);
    }
}
