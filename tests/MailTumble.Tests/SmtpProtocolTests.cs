using MailTumble.Testing;

namespace MailTumble.Tests;

/// <summary>
/// The listener's protocol over real SMTP on loopback: pipelining within and against the rules, the reply texts,
/// and addresses that must not get through (issue 18 items 1, 8 and 12).
/// </summary>
public sealed class SmtpProtocolTests : IAsyncLifetime
{
    private const string Transaction = "MAIL FROM:<shop@brand.example>\r\nRCPT TO:<x7g2@mask.example.com>\r\nDATA\r\n";
    private RelayFixture _relay = null!;

    public async Task InitializeAsync()
    {
        _relay = await RelayFixture.StartAsync(new() { ["MailTumble:Smtp:BareLineEnds"] = "reject" });
        await _relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
        await _relay.AddAliasAsync("x@mask.example.com", "mary@real.example.org");
    }

    public Task DisposeAsync() => _relay.DisposeAsync().AsTask();

    private async Task<SmtpWireClient> OpenAsync()
    {
        var client = await SmtpWireClient.ConnectAsync(_relay.SmtpPort);
        Assert.Equal("220 relay.test ESMTP MailTumble", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"));
        return client;
    }

    /// <summary>A control message on its own connection: once it has arrived, anything sent before it would have too.</summary>
    private async Task SendControlAsync()
    {
        await RelaySmtp.SendAsync(_relay, "control", "x7g2@mask.example.com");
        await _relay.WaitForIdleAsync();
    }

    [Fact]
    public async Task A_body_sent_before_the_354_gets_554_5_5_0_and_the_connection_closes_with_nothing_queued()
    {
        await using var client = await OpenAsync();
        await client.SendAsync(Transaction + "Subject: early\r\n\r\nclean body\r\n.\r\n");

        // As Postfix 3.9 (smtpd_forbid_unauth_pipelining): MAIL and RCPT are answered, DATA is refused for the early input.
        Assert.StartsWith("250 2.1.0", await client.ReadReplyAsync());
        Assert.StartsWith("250 2.1.5", await client.ReadReplyAsync());
        Assert.Equal("554 5.5.0 Error: SMTP protocol synchronization", await client.ReadReplyAsync());
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));

        await SendControlAsync();
        var mail = Assert.Single(_relay.Sink.Messages);
        Assert.Equal("control", mail.Header("Subject"));
    }

    [Fact]
    public async Task After_pipelined_commands_the_listener_stays_in_step_with_the_client()
    {
        await using var client = await OpenAsync();

        // Pipelining by the rules: the group ends with DATA, the body follows the 354.
        await client.SendAsync(Transaction);
        Assert.StartsWith("250 2.1.0", await client.ReadReplyAsync());
        Assert.StartsWith("250 2.1.5", await client.ReadReplyAsync());
        Assert.StartsWith("354", await client.ReadReplyAsync());
        await client.SendAsync("Subject: first\r\n\r\nclean\r\n.\r\n");
        Assert.StartsWith("250 2.0.0 Ok: queued as", await client.ReadReplyAsync());

        // The next message is content again from its first byte: a bare LF.LF in it is refused (BareLineEnds=reject) ...
        await client.SendAsync(Transaction);
        await client.ReadReplyAsync();
        await client.ReadReplyAsync();
        Assert.StartsWith("354", await client.ReadReplyAsync());
        await client.SendAsync("Subject: second\r\n\r\nhello\n.\nmore\r\n.\r\n");
        Assert.StartsWith("550 5.6.11", await client.ReadReplyAsync());

        // ... and the next command line is a command again: a bare LF in it closes the session.
        await client.SendAsync("NOOP\n");
        Assert.StartsWith("500 5.5.2 Bare <LF>", await client.ReadReplyAsync());
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));

        await _relay.WaitForIdleAsync();
        var mail = Assert.Single(await _relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(20)));
        Assert.Equal("first", mail.Header("Subject"));
    }

    [Fact]
    public async Task A_command_line_over_the_limit_gets_500_5_5_2_and_the_connection_closes()
    {
        await using var client = await OpenAsync();
        await client.SendAsync("MAIL FROM:<" + new string('a', 3_000_000) + "@brand.example>\r\n");
        Assert.Equal("500 5.5.2 Command line too long, closing connection", await client.ReadReplyAsync());
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData("EHLO client.test\r\nMAIL FROM:<shop@brand.example>\r\n")]
    [InlineData("NOOP\r\nNOOP\r\n")]
    public async Task Input_sent_ahead_of_a_reply_that_must_end_a_pipelined_group_is_refused(string bytes)
    {
        await using var client = await SmtpWireClient.ConnectAsync(_relay.SmtpPort);
        await client.ReadReplyAsync();
        await client.SendAsync(bytes);
        Assert.Equal("554 5.5.0 Error: SMTP protocol synchronization", await client.ReadReplyAsync());
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Replies_say_what_happened_and_nothing_else()
    {
        await using var client = await SmtpWireClient.ConnectAsync(_relay.SmtpPort);
        await client.ReadReplyAsync();
        var ehlo = (await client.CommandAsync("EHLO client.test"))!.Split('\n');
        Assert.Equal("250-relay.test", ehlo[0]);
        Assert.Contains("250-PIPELINING", ehlo);
        Assert.Contains("250-SIZE 41943040", ehlo);

        Assert.Equal("250 2.1.0 Ok", await client.CommandAsync("MAIL FROM:<shop@brand.example>"));
        Assert.Equal("550 5.1.1 <nobody@mask.example.com>: Recipient address rejected: no such alias", await client.CommandAsync("RCPT TO:<nobody@mask.example.com>"));
        Assert.Equal("554 5.7.1 <someone@other.example>: Relay access denied", await client.CommandAsync("RCPT TO:<someone@other.example>"));
        Assert.Equal("554 5.5.1 Error: no valid recipients", await client.CommandAsync("DATA"));
        Assert.Equal("503 5.5.1 Error: nested MAIL command", await client.CommandAsync("MAIL FROM:<shop@brand.example>"));
        Assert.Equal("500 5.5.2 Error: command not recognized", await client.CommandAsync("FROB"));
        Assert.Equal("250 2.0.0 Ok", await client.CommandAsync("RSET"));
        Assert.Equal("503 5.5.1 Error: need MAIL command", await client.CommandAsync("RCPT TO:<x7g2@mask.example.com>"));
        Assert.Equal("221 2.0.0 Bye", await client.CommandAsync("QUIT"));
    }

    [Fact]
    public async Task A_quoted_local_part_is_refused_even_when_its_unquoted_form_is_an_alias()
    {
        await using var client = await OpenAsync();
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<shop@brand.example>"));
        Assert.StartsWith("554 5.7.1", await client.CommandAsync("RCPT TO:<\"x\"@mask.example.com>"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<x@mask.example.com>"));
    }

    [Theory]
    [InlineData(new byte[] { 0xC3, 0xA9 })] // é in UTF-8
    [InlineData(new byte[] { 0xE9 })] // é in Latin-1
    public async Task Eight_bit_bytes_in_MAIL_FROM_without_SMTPUTF8_get_553_5_6_7(byte[] eightBit)
    {
        await using var client = await OpenAsync();
        await client.SendAsync([.. "MAIL FROM:<j"u8, .. eightBit, .. "rome@brand.example>\r\n"u8]);
        Assert.StartsWith("553 5.6.7", await client.ReadReplyAsync());

        // The session goes on; a plain sender is fine, and so is UTF-8 that asks for SMTPUTF8.
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<shop@brand.example>"));
        Assert.StartsWith("250", await client.CommandAsync("RSET"));
        await client.SendAsync([.. "MAIL FROM:<j\u00e9rome@brand.example> SMTPUTF8\r\n"u8]);
        Assert.StartsWith("250", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Invalid_UTF_8_is_refused_even_with_SMTPUTF8()
    {
        await using var client = await OpenAsync();
        await client.SendAsync([.. "MAIL FROM:<j"u8, 0xE9, .. "rome@brand.example> SMTPUTF8\r\n"u8]);
        Assert.StartsWith("553 5.6.7", await client.ReadReplyAsync());
    }
}
