using MailKit.Net.Smtp;
using MailTumble.Core.Queue;
using MailTumble.Testing;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailTumble.Tests;

/// <summary>Real SMTP conversations with the relay on loopback, answers asserted reply by reply.</summary>
public sealed class SmtpConversationTests : IAsyncLifetime
{
    private const string Message = "From: Shop <shop@brand.example>\r\nTo: x7g2@mask.example.com\r\nSubject: Hello\r\nMessage-ID: <m1@brand.example>\r\nDKIM-Signature: v=1; b=abc\r\n\r\nHello \u00e9\r\n..leading dot\r\n";
    private RelayFixture _relay = null!;

    public async Task InitializeAsync()
    {
        _relay = await RelayFixture.StartAsync(new() { ["MailTumble:Smtp:MaxMessageBytes"] = "20000", ["MailTumble:Smtp:MaxRecipients"] = "3" });
        await _relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
        await _relay.AddAliasAsync("shop2@mask.example.com", "mary@real.example.org");
    }

    public Task DisposeAsync() => _relay.DisposeAsync().AsTask();

    private async Task<SmtpWireClient> OpenAsync()
    {
        var client = await SmtpWireClient.ConnectAsync(_relay.SmtpPort);
        Assert.StartsWith("220 relay.test ESMTP", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"));
        return client;
    }

    [Fact]
    public async Task An_accepted_message_is_rewritten_and_delivered_to_the_target_with_the_body_untouched()
    {
        await using var client = await OpenAsync();
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<shop@brand.example>"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<x7g2@mask.example.com>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        await client.SendAsync(Message + ".\r\n");
        Assert.Matches("^250 2.0.0 Ok: queued as [0-9a-f]{32}$", await client.ReadReplyAsync());

        var mail = Assert.Single(await _relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(20)));
        Assert.Equal(["john@real.example.org"], mail.To);
        // The envelope sender is the signed bounce address on the alias's domain.
        Assert.Matches("^bounces\\+[a-z0-9]+@mask\\.example\\.com$", mail.From);
        Assert.Equal("Shop <x7g2@mask.example.com>", mail.Header("From"));
        // Two-way masking: a reply goes back through the relay, to the shop's reverse alias for x7g2.
        Assert.Matches("^Shop <x7g2\\+shop=brand\\.example\\.[a-z2-7]{10}@mask\\.example\\.com>$", mail.Header("Reply-To"));
        Assert.Null(mail.Header("DKIM-Signature"));
        Assert.Equal("<m1@brand.example>", mail.Header("Message-ID"));
        Assert.EndsWith("\r\n\r\nHello \u00e9\r\n.leading dot", mail.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("RCPT TO:<nobody@mask.example.com>", "550 5.1.1")]
    [InlineData("RCPT TO:<someone@other.example>", "554 5.7.1")]
    [InlineData("RCPT TO:<x7g2%other.example@mask.example.com>", "554 5.7.1")]
    [InlineData("RCPT TO:<\"x7g2@other.example\"@mask.example.com>", "554 5.7.1")]
    [InlineData("RCPT TO:<other.example!x7g2@mask.example.com>", "554 5.7.1")]
    [InlineData("RCPT TO:<@mask.example.com:someone@other.example>", "554 5.7.1")]
    public async Task Recipients_we_do_not_serve_are_refused(string command, string expected)
    {
        await using var client = await OpenAsync();
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<shop@brand.example>"));
        Assert.StartsWith(expected, await client.CommandAsync(command));

        // With no accepted recipient there is no message to take.
        Assert.StartsWith("5", await client.CommandAsync("DATA"));
    }

    [Fact]
    public async Task A_valid_bounce_token_at_a_domain_that_is_not_ours_is_relay_denied()
    {
        var bounce = _relay.Services.GetRequiredService<Core.Bounces.BounceAddress>().Create("0192f1a2b3c47d8e9f00112233445566", "john@real.example.org", "mask.example.com");
        var foreign = bounce[..bounce.IndexOf('@', StringComparison.Ordinal)] + "@other.example";
        await using var client = await OpenAsync();
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<>"));
        Assert.Equal($"554 5.7.1 <{foreign}>: Relay access denied", await client.CommandAsync($"RCPT TO:<{foreign}>"));
        Assert.StartsWith("250 2.1.5", await client.CommandAsync($"RCPT TO:<{bounce}>"));
    }

    [Fact]
    public async Task A_dead_alias_is_refused_with_a_reason()
    {
        await _relay.Services.GetRequiredService<Core.Aliases.IAliasAdmin>().SetStatusAsync("shop2@mask.example.com", Core.Aliases.AliasStatus.Dead, default);
        await using var client = await OpenAsync();
        await client.CommandAsync("MAIL FROM:<shop@brand.example>");
        var reply = await client.CommandAsync("RCPT TO:<shop2@mask.example.com>");
        Assert.StartsWith("550 5.1.1 <shop2@mask.example.com>: Recipient address rejected: this address no longer accepts mail", reply);
    }

    [Fact]
    public async Task Too_many_recipients_get_452()
    {
        await using var client = await OpenAsync();
        await client.CommandAsync("MAIL FROM:<shop@brand.example>");
        for (var i = 0; i < 3; i++)
        {
            Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<x7g2@mask.example.com>"));
        }

        Assert.StartsWith("452 4.5.3", await client.CommandAsync("RCPT TO:<x7g2@mask.example.com>"));
    }

    [Fact]
    public async Task A_declared_size_over_the_limit_is_refused_at_MAIL()
    {
        await using var client = await OpenAsync();
        Assert.Equal("552 5.3.4 Message size exceeds the limit of 20000 bytes", await client.CommandAsync("MAIL FROM:<shop@brand.example> SIZE=999999"));
    }

    [Fact]
    public async Task An_oversize_message_gets_552_without_being_kept_and_the_session_goes_on()
    {
        await using var client = await OpenAsync();
        await client.CommandAsync("MAIL FROM:<shop@brand.example>");
        await client.CommandAsync("RCPT TO:<x7g2@mask.example.com>");
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        var line = new string('x', 998) + "\r\n";
        await client.SendAsync("Subject: big\r\n\r\n" + string.Concat(Enumerable.Repeat(line, 100)) + ".\r\n");
        Assert.StartsWith("552 5.3.4", await client.ReadReplyAsync());

        // The rest of the oversize DATA was not taken for commands: the session is in step.
        Assert.StartsWith("250", await client.CommandAsync("RSET"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<shop@brand.example>"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<x7g2@mask.example.com>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        await client.SendAsync("Subject: small\r\n\r\nok\r\n.\r\n");
        Assert.StartsWith("250", await client.ReadReplyAsync());
        var mail = Assert.Single(await _relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(20)));
        Assert.Equal("small", mail.Header("Subject"));
    }

    [Fact]
    public async Task A_header_of_one_unbreakable_token_goes_out_unchanged_and_a_NUL_in_a_header_is_refused_naming_it()
    {
        var token = new string('Z', 1500);
        await using var client = await OpenAsync();
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<shop@brand.example>"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<x7g2@mask.example.com>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        await client.SendAsync("From: shop@brand.example\r\nSubject: nul\r\nX-Broken: a\0b\r\n\r\nbody\r\n.\r\n");
        Assert.Equal("554 5.6.0 NUL byte in header X-Broken", await client.ReadReplyAsync());

        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<shop@brand.example>"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<x7g2@mask.example.com>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        await client.SendAsync($"From: shop@brand.example\r\nSubject: long\r\nX-Unbreakable: {token}\r\nX-After: kept\r\n\r\nbody\r\n.\r\n");
        Assert.StartsWith("250 2.0.0", await client.ReadReplyAsync());

        // Only the second message arrives, with the line as it was sent (neither cut nor dropped) and the fields after it.
        var mail = Assert.Single(await _relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(20)));
        Assert.Equal("long", mail.Header("Subject"));
        Assert.Contains("\r\nX-Unbreakable: " + token + "\r\nX-After: kept\r\n", mail.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bare_CR_in_DATA_is_refused()
    {
        await using var client = await OpenAsync();
        await client.CommandAsync("MAIL FROM:<shop@brand.example>");
        await client.CommandAsync("RCPT TO:<x7g2@mask.example.com>");
        await client.CommandAsync("DATA");
        await client.SendAsync("Subject: x\r\n\r\nhello\r.\r\r\n.\r\n");
        Assert.StartsWith("550 5.6.11", await client.ReadReplyAsync());
    }

    [Theory]
    [InlineData("NOOP\n")]
    [InlineData("NOOP\rNOOP\r\n")]
    public async Task Bare_line_ends_in_commands_get_500_and_the_connection_closes(string bytes)
    {
        await using var client = await OpenAsync();
        await client.SendAsync(bytes);
        Assert.StartsWith("500 5.5.2 Bare", await client.ReadReplyAsync());
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task An_over_long_command_line_is_refused()
    {
        await using var client = await OpenAsync();
        await client.SendAsync("MAIL FROM:<" + new string('a', 5000) + "@brand.example>\r\n");
        Assert.StartsWith("500 5.5.2 Command line too long", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task An_empty_message_is_accepted_and_forwarded()
    {
        await using var client = await OpenAsync();
        await client.CommandAsync("MAIL FROM:<>");
        await client.CommandAsync("RCPT TO:<x7g2@mask.example.com>");
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        await client.SendAsync(".\r\n");
        Assert.StartsWith("250", await client.ReadReplyAsync());
        var mail = Assert.Single(await _relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(20)));
        Assert.Equal(["john@real.example.org"], mail.To);
    }

    [Fact]
    public async Task Several_recipients_make_one_delivery_per_target_over_reused_connections()
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", _relay.SmtpPort, MailKit.Security.SecureSocketOptions.None);
        for (var i = 0; i < 5; i++)
        {
            var message = new MimeMessage();
            message.From.Add(new MailboxAddress("Shop", "shop@brand.example"));
            message.To.Add(new MailboxAddress(string.Empty, "x7g2@mask.example.com"));
            message.To.Add(new MailboxAddress(string.Empty, "shop2@mask.example.com"));
            message.Subject = $"n{i}";
            message.Body = new TextPart("plain") { Text = "hi" };
            await smtp.SendAsync(message);
        }

        await smtp.DisconnectAsync(true);
        var mails = await _relay.Sink.WaitForAsync(10, TimeSpan.FromSeconds(30));
        Assert.Equal(5, mails.Count(m => m.To.Single() == "john@real.example.org"));
        Assert.Equal(5, mails.Count(m => m.To.Single() == "mary@real.example.org"));
        Assert.True(_relay.Sink.Sessions < 10, $"expected connection reuse, saw {_relay.Sink.Sessions} sessions for 10 deliveries");
    }
}
