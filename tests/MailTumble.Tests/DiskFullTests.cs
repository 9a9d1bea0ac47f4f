using MailTumble.Hosting;
using MailTumble.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmtpServer.Protocol;
using Xunit.Abstractions;

namespace MailTumble.Tests;

/// <summary>
/// A full data disk: new mail is refused with a 4xx (the sender keeps it), while send-out keeps draining, which is what
/// frees the disk; the condition is logged once a minute, not per attempt, and <c>queue stats</c> shows it.
/// </summary>
public sealed class DiskFullTests(ITestOutputHelper output)
{
    private const string Alias = "x7g2@mask.example.com";

    [SkippableFact]
    public async Task Send_out_keeps_draining_when_the_data_disk_is_full_says_so_once_and_queue_stats_shows_it()
    {
        using var disk = SmallDisk.TryMount(16, out var reason) ?? throw new SkipException(reason);
        var logs = new LogCapture();
        var open = 0;
        await using var relay = await RelayFixture.StartAsync(
            new() { ["MailTumble:DataDir"] = disk.Path, ["MailTumble:Sqlite:DiskReserveMegabytes"] = "2" },
            s => s.AddSingleton<ILoggerProvider>(logs));
        relay.Sink.Responder = _ => Volatile.Read(ref open) == 1 ? null : new SmtpResponse((SmtpReplyCode)451, "4.3.0 not yet");
        await relay.AddAliasAsync(Alias, "john@real.example.org");

        var body = string.Join("\r\n", Enumerable.Repeat(new string('x', 76), 500));
        for (var n = 0; n < 20; n++)
        {
            var (_, data) = await RelaySmtp.TransactAsync(relay.SmtpPort, "shop@brand.example", [Alias], $"Subject: full-{n}\r\n\r\n{body}\r\n");
            Assert.StartsWith("250", data);
        }

        disk.Fill();
        output.WriteLine($"free after filling: {disk.FreeBytes} bytes");
        // Refused at RCPT once the relay knows the disk is full, or at the end of DATA when this message finds out.
        var (rcpt, atData) = await RelaySmtp.TransactAsync(relay.SmtpPort, "shop@brand.example", [Alias], $"Subject: refused\r\n\r\n{body}\r\n");
        var refused = atData ?? rcpt[0];
        output.WriteLine($"while full: {refused}");
        Assert.StartsWith("4", refused);

        // The provider takes mail again; the disk is still full.
        Volatile.Write(ref open, 1);
        var delivered = await relay.Sink.WaitForAsync(20, TimeSpan.FromSeconds(60));
        Assert.Equal(20, delivered.Select(m => m.Header("Subject")).Distinct(StringComparer.Ordinal).Count(s => s!.StartsWith("full-", StringComparison.Ordinal)));
        await relay.WaitForIdleAsync();

        var stats = await QueueStatsAsync(disk.Path);
        output.WriteLine(stats);
        Assert.Matches(@"data disk\s+full since \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", stats);

        var lines = logs.Lines.Where(l => l.Level >= LogLevel.Warning).Select(l => $"{l.Category}: {l.Message}").ToList();
        output.WriteLine(string.Join('\n', lines));
        Assert.Single(lines, l => l.Contains("The data disk under", StringComparison.Ordinal) && l.Contains("is full", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("Send worker failed", StringComparison.Ordinal));

        // Room again: new mail is accepted and sent, and the reserve is taken back.
        disk.Unfill();
        await Eventually.TrueAsync(
            async () => (await RelaySmtp.TransactAsync(relay.SmtpPort, "shop@brand.example", [Alias], "Subject: after\r\n\r\nroom again\r\n")).Data!.StartsWith("250", StringComparison.Ordinal),
            "new mail is accepted once there is room");
        await relay.Sink.WaitForAsync(21, TimeSpan.FromSeconds(30));
        stats = await Eventually.ValueAsync(() => QueueStatsAsync(disk.Path), s => s.Contains("reserve 2 MB held", StringComparison.Ordinal), "queue stats shows the disk has room again");
        output.WriteLine(stats);
        Assert.Single(logs.Lines, l => l.Message.Contains("has room again", StringComparison.Ordinal));
    }

    private static async Task<string> QueueStatsAsync(string dataDir)
    {
        var text = new StringWriter();
        var configuration = MailTumbleConfiguration.Build(new Dictionary<string, string?> { ["MailTumble:DataDir"] = dataDir, ["Logging:LogLevel:Default"] = "Warning" });
        Assert.Equal(0, await MailTumbleCli.RunAsync(["queue", "stats"], text, new StringWriter(), () => Stream.Null, configuration));
        return text.ToString();
    }
}
