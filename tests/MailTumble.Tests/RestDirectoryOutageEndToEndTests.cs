using System.Net;
using System.Net.Sockets;
using MailTumble.Hosting;
using MailTumble.Smtp.Inbound;
using MailTumble.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MailTumble.Tests;

/// <summary>
/// The seed dropped mail when its REST directory was down. Over real SMTP: while the directory is down
/// RCPT gets 451 (the sender keeps the message); once it is back the same message is accepted and delivered.
/// </summary>
public sealed class RestDirectoryOutageEndToEndTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Rcpt_is_451_while_the_directory_is_down_and_the_retry_is_delivered_once_it_is_back()
    {
        var directoryPort = FreePort();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MailTumble:DataDir"] = _dir.Path,
            ["MailTumble:Smtp:Listen"] = "127.0.0.1:0",
            ["MailTumble:Api:Listen"] = "127.0.0.1:0",
            ["MailTumble:Domains:0"] = "mask.example.com",
            ["MailTumble:Rewrite:FromEmail"] = "relay@mask.example.com",
            ["MailTumble:Directory:Driver"] = "rest",
            ["MailTumble:Directory:Rest:Url"] = $"http://127.0.0.1:{directoryPort}/prod",
            ["MailTumble:Directory:Rest:Token"] = "t0ken",
            ["MailTumble:Directory:Rest:Timeout"] = "00:00:05",
        }).Build();
        await using var relay = RelayHost.Build(configuration);
        await relay.StartAsync();
        var smtpPort = (await relay.Services.GetRequiredService<SmtpListenerService>().BoundEndPoint).Port;

        // Down: nothing listens on the directory's port.
        Assert.StartsWith("451", await RcptAsync(smtpPort), StringComparison.Ordinal);

        await using var directory = await StartDirectoryAsync(directoryPort);
        Assert.StartsWith("250", await SendAsync(smtpPort), StringComparison.Ordinal);

        var outbox = Path.Combine(_dir.Path, "outbox");
        var files = await Eventually.ValueAsync(
            () => Directory.Exists(outbox) ? Directory.GetFiles(outbox, "*.eml") : [],
            found => found.Length > 0,
            "the delivery is in the outbox");
        var delivered = Assert.Single(files);
        Assert.Contains("john@real.example.org", await File.ReadAllTextAsync(delivered), StringComparison.Ordinal);
        await relay.StopAsync();
    }

    private static async Task<string?> RcptAsync(int port)
    {
        await using var smtp = await SmtpWireClient.ConnectAsync(port);
        await smtp.ReadReplyAsync();
        await smtp.CommandAsync("EHLO sender.example");
        await smtp.CommandAsync("MAIL FROM:<alice@sender.example>");
        var reply = await smtp.CommandAsync("RCPT TO:<x7g2@mask.example.com>");
        await smtp.CommandAsync("QUIT");
        return reply;
    }

    private static async Task<string?> SendAsync(int port)
    {
        await using var smtp = await SmtpWireClient.ConnectAsync(port);
        await smtp.ReadReplyAsync();
        await smtp.CommandAsync("EHLO sender.example");
        await smtp.CommandAsync("MAIL FROM:<alice@sender.example>");
        var rcpt = await smtp.CommandAsync("RCPT TO:<x7g2@mask.example.com>");
        Assert.StartsWith("250", rcpt, StringComparison.Ordinal);
        Assert.StartsWith("354", await smtp.CommandAsync("DATA"), StringComparison.Ordinal);
        var reply = await smtp.CommandAsync("From: alice@sender.example\r\nTo: x7g2@mask.example.com\r\nSubject: retry\r\n\r\nhello again\r\n.");
        await smtp.CommandAsync("QUIT");
        return reply;
    }

    private static async Task<WebApplication> StartDirectoryAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.Run(context => context.Request.Path == "/prod/aliases/x7g2@mask.example.com" && context.Request.Headers.Authorization == "Bearer t0ken"
            ? context.Response.WriteAsJsonAsync(new { email = "john@real.example.org", count_bounce = 0, count_complaint = 0, optout = false })
            : Task.FromResult(context.Response.StatusCode = 404));
        await app.StartAsync();
        return app;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose() => _dir.Dispose();
}
