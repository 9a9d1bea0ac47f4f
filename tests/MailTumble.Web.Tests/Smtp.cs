using MailTumble.Testing;

namespace MailTumble.Web.Tests;

/// <summary>Mail into the relay over real SMTP on loopback, every reply checked.</summary>
internal static class Smtp
{
    /// <summary>Sends one message (headers and body as given, CRLF line ends) to the recipients; every reply must be positive.</summary>
    public static async Task SendAsync(int port, string from, IReadOnlyList<string> recipients, string message)
    {
        await using var client = await SmtpWireClient.ConnectAsync(port);
        Assert.StartsWith("220", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await client.CommandAsync($"MAIL FROM:<{from}>"));
        foreach (var recipient in recipients)
        {
            Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{recipient}>"));
        }

        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        await client.SendAsync(message.ReplaceLineEndings("\r\n").TrimEnd() + "\r\n.\r\n");
        Assert.StartsWith("250", await client.ReadReplyAsync());
        await client.CommandAsync("QUIT");
    }

    /// <summary>A plain-text message from <paramref name="from"/> with this subject.</summary>
    public static Task SendTextAsync(int port, string from, string subject, params string[] recipients) =>
        SendAsync(port, from, recipients, $"From: <{from}>\nTo: {recipients[0]}\nSubject: {subject}\nMessage-ID: <{Guid.NewGuid():N}@client.test>\n\nThe body of {subject}.\n");
}
