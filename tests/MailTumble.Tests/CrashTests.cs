using System.Collections.Concurrent;
using System.Globalization;
using MailKit.Net.Smtp;
using MailTumble.Testing;
using MimeKit;
using Xunit.Abstractions;

namespace MailTumble.Tests;

/// <summary>Nothing accepted is ever lost: SIGKILL in the middle of a burst, restart, count what arrives.</summary>
public sealed class CrashTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    private Dictionary<string, string> Environment(int smtpPort, int sinkPort) => new()
    {
        ["MailTumble__DataDir"] = Path.Combine(_dir.Path, "data"),
        ["MailTumble__Smtp__Listen"] = $"127.0.0.1:{smtpPort}",
        ["MailTumble__Api__Listen"] = "127.0.0.1:0",
        ["MailTumble__Outbound__Smtp__Host"] = "127.0.0.1",
        ["MailTumble__Outbound__Smtp__Port"] = sinkPort.ToString(CultureInfo.InvariantCulture),
        ["MailTumble__Outbound__LeaseTime"] = "00:00:05",
        ["MailTumble__Outbound__RetryInitial"] = "00:00:00.500",
        ["MAXIMUM_SEND_RATE"] = "100",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    [Fact]
    public async Task Every_message_that_got_250_is_delivered_after_a_SIGKILL_and_restart()
    {
        await using var sink = new TestSmtpSink();
        var smtpPort = TestSmtpSink.FreePort();
        var env = Environment(smtpPort, sink.Port);
        Directory.CreateDirectory(env["MailTumble__DataDir"]);

        var (code, text) = await RelayProcess.RunAsync(_dir.Path, env, "alias", "add", "x7g2@mask.example.com", "john@real.example.org");
        Assert.True(code == 0, text);
        var relay = await RelayProcess.StartAsync(_dir.Path, env);

        var accepted = new ConcurrentBag<int>();
        using var killed = new CancellationTokenSource();
        var next = -1;
        var senders = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            try
            {
                using var client = new SmtpClient();
                await client.ConnectAsync("127.0.0.1", smtpPort, MailKit.Security.SecureSocketOptions.None);
                while (!killed.IsCancellationRequested)
                {
                    var n = Interlocked.Increment(ref next);
                    if (n >= 600)
                    {
                        return;
                    }

                    await client.SendAsync(Message(n));
                    accepted.Add(n);
                }
            }
            catch (Exception ex) when (ex is IOException or SmtpProtocolException or SmtpCommandException or System.Net.Sockets.SocketException or MailKit.ServiceNotConnectedException)
            {
                // The relay was killed under us: whatever did not get its 250 was not accepted.
            }
        })).ToList();

        await Eventually.TrueAsync(() => accepted.Count >= 200 || senders.All(s => s.IsCompleted), "200 messages were accepted (the kill comes mid-burst)", TimeSpan.FromMinutes(2));

        relay.Kill();
        await killed.CancelAsync();
        await Task.WhenAll(senders);
        await relay.DisposeAsync();
        var deliveredBeforeRestart = sink.Messages.Count;

        await using var restarted = await RelayProcess.StartAsync(_dir.Path, Environment(TestSmtpSink.FreePort(), sink.Port));
        var expected = accepted.ToHashSet();
        HashSet<int> Delivered() => sink.Messages.Select(m => int.Parse(m.Header("Subject")!.Split('-')[1], CultureInfo.InvariantCulture)).ToHashSet();
        await Eventually.ValueAsync(
            () => expected.Except(Delivered()).Order().ToList(),
            missing => missing.Count == 0,
            "every message accepted before the kill was delivered after the restart (value: the missing ones)",
            TimeSpan.FromSeconds(90));
        var delivered = Delivered();

        var duplicates = sink.Messages.Count - delivered.Count;
        output.WriteLine($"accepted {expected.Count}, delivered before kill+restart {deliveredBeforeRestart}, delivered in all {delivered.Count} distinct, duplicates {duplicates}");
        Assert.Empty(expected.Except(delivered));

        // Only deliveries that were in flight when the process died may go out twice.
        Assert.InRange(duplicates, 0, 16 * 10);
        Assert.Equal(0, await restarted.StopAsync(TimeSpan.FromSeconds(30)));
    }

    private static MimeMessage Message(int n)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Shop", "shop@brand.example"));
        message.To.Add(new MailboxAddress(string.Empty, "x7g2@mask.example.com"));
        message.Subject = $"crash-{n}";
        message.Body = new TextPart("plain") { Text = $"message {n}" };
        return message;
    }

    public void Dispose() => _dir.Dispose();
}
