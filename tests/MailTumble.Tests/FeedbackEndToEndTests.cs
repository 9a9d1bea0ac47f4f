using MailKit.Net.Smtp;
using MailTumble.Core.Aliases;
using MailTumble.Core.Feedback;
using MailTumble.Core.Queue;
using MailTumble.Testing;
using MailTumble.Testing.Feedback;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using SmtpServer.Protocol;
using SmtpResponse = SmtpServer.Protocol.SmtpResponse;

namespace MailTumble.Tests;

/// <summary>Mail goes out through the relay, feedback comes back, and the alias's fate follows.</summary>
public sealed class FeedbackEndToEndTests
{
    private const string Alias = "x7g2@mask.example.com";
    private const string Target = "john@real.example.org";

    internal static async Task SendAsync(int port, string subject, string to = Alias)
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Shop", "shop@brand.example"));
        message.To.Add(new MailboxAddress(string.Empty, to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "hello" };
        await smtp.SendAsync(message);
        await smtp.DisconnectAsync(true);
    }

    /// <summary>Sends one message through the relay and returns the envelope sender it went out with (the signed bounce address).</summary>
    internal static async Task<string> ForwardOneAsync(RelayFixture relay, string subject, string to = Alias)
    {
        var before = relay.Sink.Messages.Count;
        await SendAsync(relay.SmtpPort, subject, to);
        var all = await relay.Sink.WaitForAsync(before + 1, TimeSpan.FromSeconds(20));
        var mail = all.Single(m => m.Header("Subject") == subject);
        Assert.StartsWith("bounces+", mail.From, StringComparison.Ordinal);

        // The relay records the delivery just after the provider's 250; feedback is attributed through that record.
        var id = relay.Services.GetRequiredService<Core.Bounces.BounceAddress>().Check(mail.From).DeliveryId!;
        var store = relay.Services.GetRequiredService<IFeedbackStore>();
        await Eventually.TrueAsync(async () => await store.FindDeliveryAsync(id, default) is not null, $"delivery {id} is on record");
        return mail.From;
    }

    /// <summary>
    /// Waits until no send-out batch is open: an attempt that looked the alias up just before it died ends (with the
    /// sink's 451) before the sink starts accepting, so what follows is the fate of mail still queued, not of a send
    /// already under way (which under load went out and failed this test).
    /// </summary>
    private static Task AttemptsUnderWayEndedAsync(RelayFixture relay)
    {
        var delivery = relay.Services.GetRequiredService<Core.Delivery.DeliveryService>();
        return Eventually.TrueAsync(() => delivery.BatchesInFlight == 0, "no send-out batch is under way", RelayFixture.IdleTimeout);
    }

    internal static async Task<AliasRecord> AliasAsync(RelayFixture relay, string alias = Alias) =>
        (await relay.Services.GetRequiredService<IAliasDirectory>().LookupAsync(alias, default)).Alias!;

    private static async Task<string?> RcptAsync(RelayFixture relay, string address)
    {
        await using var client = await SmtpWireClient.ConnectAsync(relay.SmtpPort);
        Assert.StartsWith("220", await client.ReadReplyAsync());
        await client.CommandAsync("EHLO client.test");
        await client.CommandAsync("MAIL FROM:<shop@brand.example>");
        return await client.CommandAsync($"RCPT TO:<{address}>");
    }

    [Fact]
    public async Task A_complaint_kills_the_alias_refuses_the_next_rcpt_and_drops_its_queued_mail()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync(Alias, Target);
        var source = await ForwardOneAsync(relay, "first");

        // A second message is stuck retrying when the complaint arrives.
        relay.Sink.Responder = _ => new SmtpResponse((SmtpReplyCode)451, "4.3.0 try later");
        await SendAsync(relay.SmtpPort, "second");
        var queue = relay.Services.GetRequiredService<IOutgoingQueue>();
        await Eventually.TrueAsync(() => relay.Sink.Attempts >= 2, "the second message was tried (and refused with 451)");

        var processor = relay.Services.GetRequiredService<FeedbackProcessor>();
        var result = await processor.ProcessSnsEnvelopeAsync(SesSamples.Envelope(SesSamples.Complaint(source, "0100-a", "fb-c1", Target), "sns-c1"), default);
        Assert.Equal(new FeedbackResult(1, 0, 0), result);
        Assert.Equal((AliasStatus.Dead, 1), ((await AliasAsync(relay)).Status, (await AliasAsync(relay)).CountComplaint));

        Assert.StartsWith("550 5.1.1 <x7g2@mask.example.com>: Recipient address rejected: this address no longer accepts mail", await RcptAsync(relay, Alias));

        await AttemptsUnderWayEndedAsync(relay);
        relay.Sink.Responder = _ => null;
        await relay.WaitForIdleAsync();
        Assert.DoesNotContain(relay.Sink.Messages, m => m.Header("Subject") == "second");
        Assert.Equal(0, (await queue.GetStatsAsync(default)).DeadLetters);
    }

    [Fact]
    public async Task Permanent_bounces_past_the_limit_kill_the_alias_refuse_the_next_rcpt_and_drop_its_queued_mail_on_record()
    {
        await using var relay = await RelayFixture.StartAsync(new() { ["Logging:LogLevel:MailTumble.Core.Delivery.DeliveryService"] = "Information" }, s => s.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(_logs));
        await relay.AddAliasAsync(Alias, Target);
        var processor = relay.Services.GetRequiredService<FeedbackProcessor>();
        var sources = new List<string>();
        for (var i = 0; i <= AliasRules.BounceLimit; i++)
        {
            sources.Add(await ForwardOneAsync(relay, "p" + i));
        }

        // Another message is stuck retrying when the last bounce arrives.
        relay.Sink.Responder = _ => new SmtpResponse((SmtpReplyCode)451, "4.3.0 try later");
        var attempts = relay.Sink.Attempts;
        await SendAsync(relay.SmtpPort, "stuck");
        await Eventually.TrueAsync(() => relay.Sink.Attempts > attempts, "the stuck message was tried (and refused with 451)");

        for (var i = 0; i < AliasRules.BounceLimit; i++)
        {
            Assert.Equal(1, (await processor.ProcessSnsEnvelopeAsync(SesSamples.Bounce(sources[i], "0100-p" + i, "Permanent", "General", "fb-p" + i, Target), default)).Applied);
        }

        Assert.Equal(AliasStatus.Active, (await AliasAsync(relay)).Status);
        Assert.StartsWith("250", await RcptAsync(relay, Alias));
        await processor.ProcessSnsEnvelopeAsync(SesSamples.Bounce(sources[^1], "0100-last", "Permanent", "General", "fb-last", Target), default);
        Assert.Equal((AliasStatus.Dead, AliasRules.BounceLimit + 1), ((await AliasAsync(relay)).Status, (await AliasAsync(relay)).CountBounce));

        Assert.StartsWith("550 5.1.1 <x7g2@mask.example.com>: Recipient address rejected: this address no longer accepts mail", await RcptAsync(relay, Alias));

        await AttemptsUnderWayEndedAsync(relay);
        relay.Sink.Responder = _ => null;
        var queue = relay.Services.GetRequiredService<IOutgoingQueue>();
        await relay.WaitForIdleAsync();
        Assert.DoesNotContain(relay.Sink.Messages, m => m.Header("Subject") == "stuck");
        Assert.Equal(0, (await queue.GetStatsAsync(default)).DeadLetters);

        // Recorded: in the queue's delivery log in the data directory, and in the log with the delivery id.
        Assert.Equal(1, await DeliveryLogCountAsync(relay, "dropped: alias dead"));
        Assert.Single(_logs.Messages("MailTumble.Core.Delivery.DeliveryService"), m => m.StartsWith("Dropped delivery ", StringComparison.Ordinal) && m.EndsWith($"alias=<{Alias}>: alias dead", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_expired_signed_bounce_address_is_refused_at_rcpt_over_smtp()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync(Alias, Target);
        var source = await ForwardOneAsync(relay, "first");
        var id = relay.Services.GetRequiredService<Core.Bounces.BounceAddress>().Check(source).DeliveryId!;

        // The same delivery, signed with the relay's own key, but eight days ago with the default seven-day lifetime.
        var key = await File.ReadAllBytesAsync(Path.Combine(relay.DataDir, "bounce.key"));
        var past = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromDays(8));
        var domain = source[(source.LastIndexOf('@') + 1)..];
        var expired = new Core.Bounces.BounceAddress(key, TimeSpan.FromDays(7), past).Create(id, Target, domain);
        var fresh = new Core.Bounces.BounceAddress(key, TimeSpan.FromDays(7), TimeProvider.System).Create(id, Target, domain);
        Assert.NotEqual(expired, fresh);

        Assert.StartsWith("550 5.1.1", await RcptAsync(relay, expired));
        Assert.StartsWith("250", await RcptAsync(relay, fresh));
        Assert.StartsWith("250", await RcptAsync(relay, source));
    }

    private readonly LogCapture _logs = new();

    private static async Task<long> DeliveryLogCountAsync(RelayFixture relay, string outcome)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(relay.DataDir, "mailtumble.db")};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM delivery_log WHERE outcome = $outcome";
        command.Parameters.AddWithValue("$outcome", outcome);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Permanent_bounces_kill_after_the_limit_transient_ones_never_and_each_notification_counts_once()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync(Alias, Target);
        await relay.AddAliasAsync("other@mask.example.com", Target); // same person, another business
        var processor = relay.Services.GetRequiredService<FeedbackProcessor>();

        for (var i = 0; i < 5; i++)
        {
            var transient = await ForwardOneAsync(relay, "t" + i);
            await processor.ProcessSnsEnvelopeAsync(SesSamples.Bounce(transient, "0100-t" + i, "Transient", "MailboxFull", "fb-t" + i, Target), default);
        }

        Assert.Equal((AliasStatus.Active, 0), ((await AliasAsync(relay)).Status, (await AliasAsync(relay)).CountBounce));

        for (var i = 1; i <= AliasRules.BounceLimit; i++)
        {
            var source = await ForwardOneAsync(relay, "p" + i);
            var envelope = SesSamples.Envelope(SesSamples.Bounce(source, "0100-p" + i, "Permanent", "General", "fb-p" + i, Target), "sns-p" + i);
            Assert.Equal(1, (await processor.ProcessSnsEnvelopeAsync(envelope, default)).Applied);
            Assert.Equal(1, (await processor.ProcessSnsEnvelopeAsync(envelope, default)).Duplicates); // SQS redelivery
        }

        var alive = await AliasAsync(relay);
        Assert.Equal((AliasStatus.Active, AliasRules.BounceLimit), (alive.Status, alive.CountBounce));

        var last = await ForwardOneAsync(relay, "last");
        await processor.ProcessSnsEnvelopeAsync(SesSamples.Bounce(last, "0100-last", "Permanent", "General", "fb-last", Target), default);
        Assert.Equal((AliasStatus.Dead, AliasRules.BounceLimit + 1), ((await AliasAsync(relay)).Status, (await AliasAsync(relay)).CountBounce));
        Assert.Equal((AliasStatus.Active, 0), ((await AliasAsync(relay, "other@mask.example.com")).Status, (await AliasAsync(relay, "other@mask.example.com")).CountBounce));

        var summary = await relay.Services.GetRequiredService<IFeedbackStore>().GetSummaryAsync(Alias, default);
        Assert.Equal((AliasRules.BounceLimit + 1, 5), (summary.PermanentBounces, summary.TransientBounces));
        Assert.Equal(5, summary.BounceSubTypes["MailboxFull"]);
    }

    [Fact]
    public async Task Deliveries_are_attributed_by_the_provider_message_id_and_foreign_recipients_are_ignored()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync(Alias, Target);
        relay.Sink.AcceptText = _ => "Ok 0100018c-provider-000000";
        await ForwardOneAsync(relay, "hello");
        var processor = relay.Services.GetRequiredService<FeedbackProcessor>();
        await Eventually.TrueAsync(async () => (await relay.Services.GetRequiredService<IFeedbackStore>().FindByProviderMessageIdAsync("0100018c-provider-000000", default)).Count == 1, "the delivery is on record under the provider's message id");

        // No usable mail.source: the provider's id is all there is. The second recipient is not ours.
        var json = SesSamples.Delivery("shop@brand.example", "0100018c-provider-000000", Target, "someone@else.example");
        Assert.Equal(new FeedbackResult(1, 0, 1), await processor.ProcessSnsEnvelopeAsync(json, default));
        Assert.Equal(new FeedbackResult(0, 1, 1), await processor.ProcessSnsEnvelopeAsync(json, default));
        Assert.Equal(1, (await AliasAsync(relay)).CountDelivery);

        // A complaint naming only the target, with no delivery of ours behind it, changes nothing.
        var stray = SesSamples.Complaint("shop@brand.example", "0100-unknown", "fb-stray", Target);
        Assert.Equal(new FeedbackResult(0, 0, 1), await processor.ProcessSnsEnvelopeAsync(stray, default));
        Assert.Equal(AliasStatus.Active, (await AliasAsync(relay)).Status);
    }

    [Fact]
    public async Task A_dsn_to_the_bounce_address_counts_once_and_a_forged_bounce_address_is_refused_at_rcpt()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync(Alias, Target);
        var source = await ForwardOneAsync(relay, "first");

        var forged = source[..10] + (source[10] == 'a' ? 'b' : 'a') + source[11..];
        Assert.StartsWith("550 5.1.1", await RcptAsync(relay, forged));
        Assert.StartsWith("250", await RcptAsync(relay, source));

        var dsn = MailReportSamples.Dsn(source, Target, "5.1.1", "dsn-1@mx.real.example.org");
        await SendRawAsync(relay.SmtpPort, source, dsn);
        await SendRawAsync(relay.SmtpPort, source, dsn);

        // A report is processed before the relay answers its DATA: after the second 250 both have counted all they will.
        Assert.Equal(1, (await AliasAsync(relay)).CountBounce);
        Assert.Single(relay.Sink.Messages); // the DSN itself is never forwarded
    }

    [Fact]
    public async Task An_arf_report_to_the_complaints_address_kills_the_alias()
    {
        await using var relay = await RelayFixture.StartAsync(new() { ["MailTumble:Feedback:ComplaintsAddress"] = "fbl@mask.example.com" });
        await relay.AddAliasAsync(Alias, Target);
        var source = await ForwardOneAsync(relay, "first");

        await SendRawAsync(relay.SmtpPort, "fbl@mask.example.com", MailReportSamples.Arf(source, Target, "arf-1@isp.example.net"));
        await Eventually.TrueAsync(async () => (await AliasAsync(relay)).Status == AliasStatus.Dead, "the complaint killed the alias");
        Assert.Equal(1, (await AliasAsync(relay)).CountComplaint);
    }

    internal static async Task SendRawAsync(int port, string to, string message)
    {
        await using var client = await SmtpWireClient.ConnectAsync(port);
        Assert.StartsWith("220", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.CommandAsync("EHLO mx.real.example.org"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<>"));
        Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{to}>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        await client.SendAsync(message.TrimEnd('\r', '\n') + "\r\n.\r\n");
        Assert.StartsWith("250", await client.ReadReplyAsync());
    }
}
