using MailKit.Net.Smtp;
using MailTumble.Core.Queue;
using MailTumble.Testing;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using SmtpServer.Protocol;
using SmtpResponse = SmtpServer.Protocol.SmtpResponse;

namespace MailTumble.Tests;

/// <summary>The send-out stage against a real SMTP server that fails on purpose.</summary>
public sealed class DeliveryTests
{
    private static async Task SendAsync(RelayFixture relay, string subject, string to = "x7g2@mask.example.com")
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", relay.SmtpPort, MailKit.Security.SecureSocketOptions.None);
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Shop", "shop@brand.example"));
        message.To.Add(new MailboxAddress(string.Empty, to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "hello" };
        await smtp.SendAsync(message);
        await smtp.DisconnectAsync(true);
    }

    private static Task<QueueStats> WaitForStatsAsync(RelayFixture relay, Func<QueueStats, bool> condition, string because) =>
        Eventually.ValueAsync(() => relay.Services.GetRequiredService<IOutgoingQueue>().GetStatsAsync(default), condition, because);

    [Fact]
    public async Task A_temporary_failure_is_retried_until_it_is_delivered()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
        relay.Sink.Responder = attempt => attempt <= 2 ? new SmtpResponse((SmtpReplyCode)451, "4.3.0 try again later") : null;

        await SendAsync(relay, "retry me");
        var mail = Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal("retry me", mail.Header("Subject"));
        Assert.Equal(3, relay.Sink.Attempts);
        var stats = await WaitForStatsAsync(relay, s => s.Depth == 0, "the delivered message left the queue");
        Assert.Equal((0L, 0L), (stats.Depth, stats.DeadLetters));
    }

    [Fact]
    public async Task A_permanent_failure_goes_to_the_dead_letters_with_the_reply_and_can_be_replayed()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
        relay.Sink.Responder = attempt => attempt == 1 ? new SmtpResponse(SmtpReplyCode.MailboxUnavailable, "5.1.1 user unknown") : null;

        await SendAsync(relay, "doomed");
        var stats = await WaitForStatsAsync(relay, s => s.DeadLetters == 1, "the refused message is a dead letter");
        Assert.Equal((0L, 1L), (stats.Depth, stats.DeadLetters));
        var queue = relay.Services.GetRequiredService<IOutgoingQueue>();
        var dead = Assert.Single(await queue.ListDeadAsync(10, default));
        Assert.Contains("550", dead.Reason, StringComparison.Ordinal);
        Assert.Contains("user unknown", dead.Reason, StringComparison.Ordinal);
        Assert.Equal(1, relay.Sink.Attempts);

        // The stored message is kept for replay; replaying delivers it.
        Assert.Equal(1, await queue.ReplayDeadAsync(null, default));
        var mail = Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal("doomed", mail.Header("Subject"));
    }

    [Fact]
    public async Task A_throttling_reply_is_retried_within_seconds()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
        relay.Sink.Responder = attempt => attempt == 1 ? new SmtpResponse((SmtpReplyCode)454, "Throttling failure: Maximum sending rate exceeded.") : null;

        await SendAsync(relay, "throttled");
        Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(10)));
        Assert.Equal(2, relay.Sink.Attempts);
    }

    [Fact]
    public async Task A_provider_that_is_down_defers_and_the_mail_arrives_when_it_is_back()
    {
        var port = Testing.TestSmtpSink.FreePort();
        await using var relay = await RelayFixture.StartAsync(new() { ["MailTumble:Outbound:Smtp:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
        await SendAsync(relay, "waiting");
        var deferred = await WaitForStatsAsync(relay, s => s.Deferred == 1, "the delivery waits for a retry");
        Assert.Equal(1, deferred.Deferred);

        await using var late = new Testing.TestSmtpSink(port);
        var mail = Assert.Single(await late.WaitForAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal("waiting", mail.Header("Subject"));
    }

    [Fact]
    public async Task Mail_queued_for_an_alias_that_dies_is_dropped_at_send_time()
    {
        var port = Testing.TestSmtpSink.FreePort();
        await using var relay = await RelayFixture.StartAsync(new() { ["MailTumble:Outbound:Smtp:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
        await SendAsync(relay, "never");
        await WaitForStatsAsync(relay, s => s.Deferred == 1, "the delivery waits for a retry");
        await relay.Services.GetRequiredService<Core.Aliases.IAliasAdmin>().SetStatusAsync("x7g2@mask.example.com", Core.Aliases.AliasStatus.Dead, default);

        await using var late = new Testing.TestSmtpSink(port);
        var stats = await relay.WaitForIdleAsync();
        Assert.Equal(0, stats.Depth);

        // Positive evidence: the provider is back and the relay sends to it, but not the dead alias's mail.
        Assert.Empty(await relay.SettleWithControlAsync(late));
        Assert.Equal(0, StoredCopies.Count(relay.DataDir));
    }
}
