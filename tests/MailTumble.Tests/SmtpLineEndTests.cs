using MailTumble.Testing;

namespace MailTumble.Tests;

/// <summary>
/// Bare line ends in message content (issue 18 item 15): by default a bare LF is taken as CRLF (as Postfix 3.9),
/// while only CRLF.CRLF ends a message; <c>MailTumble:Smtp:BareLineEnds=reject</c> refuses them with 550 5.6.11.
/// </summary>
public sealed class SmtpLineEndTests
{
    private static async Task<SmtpWireClient> InDataAsync(RelayFixture relay)
    {
        var client = await SmtpWireClient.ConnectAsync(relay.SmtpPort);
        await client.ReadReplyAsync();
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<shop@brand.example>"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<x7g2@mask.example.com>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        return client;
    }

    private static async Task<RelayFixture> StartAsync(Dictionary<string, string?>? settings = null)
    {
        var relay = await RelayFixture.StartAsync(settings);
        await relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
        return relay;
    }

    [Fact]
    public async Task A_message_stored_with_LF_line_ends_is_accepted_and_forwarded_with_CRLF()
    {
        await using var relay = await StartAsync();
        await using var client = await InDataAsync(relay);

        // A file from disk sent as it is, then the end of data.
        await client.SendAsync("From: Shop <shop@brand.example>\nSubject: lf ends\n\nline one\n..dotted\nline three\n\r\n.\r\n");
        Assert.StartsWith("250 2.0.0 Ok: queued as", await client.ReadReplyAsync());

        var mail = Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(20)));
        Assert.Equal("lf ends", mail.Header("Subject"));
        // The test sink drops the CRLF that ends the last line (it belongs to the end of data).
        Assert.EndsWith("\r\n\r\nline one\r\n.dotted\r\nline three\r\n", mail.Text, StringComparison.Ordinal);
        Assert.DoesNotMatch("[^\r]\n", mail.Text);
    }

    [Fact]
    public async Task A_bare_LF_dot_LF_is_content_so_nothing_after_it_becomes_a_second_message()
    {
        await using var relay = await StartAsync();
        await using (var client = await InDataAsync(relay))
        {
            await client.SendAsync("Subject: first\r\n\r\nhello\n.\nMAIL FROM:<evil@brand.example>\r\nRCPT TO:<x7g2@mask.example.com>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n");
            Assert.StartsWith("250 2.0.0 Ok: queued as", await client.ReadReplyAsync());
            Assert.StartsWith("221", await client.CommandAsync("QUIT"));
        }

        await relay.WaitForIdleAsync();
        var mail = Assert.Single(relay.Sink.Messages);
        Assert.Equal("first", mail.Header("Subject"));
        Assert.Contains("\r\nMAIL FROM:<evil@brand.example>\r\n", mail.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bare_CR_is_still_refused_by_default()
    {
        await using var relay = await StartAsync();
        await using var client = await InDataAsync(relay);
        await client.SendAsync("Subject: cr\r\n\r\nhello\rworld\r\n.\r\n");
        Assert.StartsWith("550 5.6.11 Message contains a bare <CR>", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task With_BareLineEnds_reject_a_bare_LF_is_refused_and_nothing_is_queued()
    {
        await using var relay = await StartAsync(new() { ["MailTumble:Smtp:BareLineEnds"] = "reject" });
        await using (var client = await InDataAsync(relay))
        {
            await client.SendAsync("Subject: first\r\n\r\nhello\n.\nMAIL FROM:<evil@brand.example>\r\nRCPT TO:<x7g2@mask.example.com>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n");
            Assert.StartsWith("550 5.6.11 Message contains a bare <CR> or <LF>", await client.ReadReplyAsync());
            Assert.StartsWith("221", await client.CommandAsync("QUIT"));
        }

        await RelaySmtp.SendAsync(relay, "control", "x7g2@mask.example.com");
        await relay.WaitForIdleAsync();
        Assert.Equal("control", Assert.Single(relay.Sink.Messages).Header("Subject"));
    }
}
