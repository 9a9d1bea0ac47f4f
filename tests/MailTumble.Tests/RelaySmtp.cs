using MailTumble.Testing;

namespace MailTumble.Tests;

/// <summary>Short SMTP conversations with the relay under test, each reply checked.</summary>
internal static class RelaySmtp
{
    /// <summary>Sends one message from shop@brand.example to the recipients; every recipient and the data must get 250.</summary>
    public static async Task SendAsync(RelayFixture relay, string subject, params string[] recipients)
    {
        await using var client = await SmtpWireClient.ConnectAsync(relay.SmtpPort);
        Assert.StartsWith("220", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<shop@brand.example>"));
        foreach (var recipient in recipients)
        {
            Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{recipient}>"));
        }

        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        await client.SendAsync($"From: Shop <shop@brand.example>\r\nSubject: {subject}\r\n\r\nthe body of {subject}\r\n.\r\n");
        Assert.StartsWith("250", await client.ReadReplyAsync());
    }

    /// <summary>
    /// One whole transaction: the reply to each RCPT and, when any recipient was accepted, to the end of DATA (else null,
    /// and no data is sent).
    /// </summary>
    public static async Task<(IReadOnlyList<string> Recipients, string? Data)> TransactAsync(int port, string from, IReadOnlyList<string> recipients, string message)
    {
        await using var client = await SmtpWireClient.ConnectAsync(port);
        Assert.StartsWith("220", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await client.CommandAsync($"MAIL FROM:<{from}>"));
        var replies = new List<string>();
        foreach (var recipient in recipients)
        {
            replies.Add(await client.CommandAsync($"RCPT TO:<{recipient}>") ?? string.Empty);
        }

        if (!replies.Any(r => r.StartsWith("250", StringComparison.Ordinal)))
        {
            await client.CommandAsync("QUIT");
            return (replies, null);
        }

        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        var body = message.EndsWith("\r\n", StringComparison.Ordinal) ? message : message + "\r\n";
        await client.SendAsync(body.Replace("\r\n.", "\r\n..", StringComparison.Ordinal) + ".\r\n");
        var data = await client.ReadReplyAsync();
        await client.CommandAsync("QUIT");
        return (replies, data);
    }

    /// <summary>The reply to RCPT TO one address, after EHLO and MAIL FROM.</summary>
    public static async Task<string> RcptAsync(RelayFixture relay, string recipient)
    {
        await using var client = await SmtpWireClient.ConnectAsync(relay.SmtpPort);
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO client.test");
        await client.CommandAsync("MAIL FROM:<shop@brand.example>");
        return await client.CommandAsync($"RCPT TO:<{recipient}>") ?? string.Empty;
    }
}
