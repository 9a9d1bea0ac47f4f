using System.Net;
using System.Net.Http.Json;
using System.Text;
using MailKit.Net.Smtp;
using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;
using MailTumble.Hosting;
using MailTumble.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace MailTumble.Tests;

/// <summary>
/// Moderation decisions over real SMTP, HTTP and the CLI on a real SQLite file: each is logged with who and why,
/// alias status over the API, approved mail ahead of bulk mail, first contact per alias, and approve/reject races.
/// </summary>
public sealed class ModerationDecisionTests
{
    private const string Alias = "x7g2@mask.example.com";
    private const string AuditCategory = "MailTumble.Core.Moderation.ModerationAudit";

    private static Task<RelayFixture> StartAsync(LogCapture logs, Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var values = new Dictionary<string, string?> { ["Logging:LogLevel:" + AuditCategory] = "Information", ["MailTumble:Api:Token"] = "s3cret" };
        foreach (var (key, value) in settings ?? [])
        {
            values[key] = value;
        }

        return RelayFixture.StartAsync(values, s =>
        {
            s.AddSingleton<ILoggerProvider>(logs);
            services?.Invoke(s);
        });
    }

    private static HttpClient Api(RelayFixture relay)
    {
        var http = new HttpClient { BaseAddress = new Uri(relay.ApiBase) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "s3cret");
        return http;
    }

    /// <summary>One message over raw SMTP, asserting the relay's answer to the end of DATA.</summary>
    private static async Task<string> SendRawAsync(RelayFixture relay, string from, string to, string subject)
    {
        await using var client = await SmtpWireClient.ConnectAsync(relay.SmtpPort);
        Assert.StartsWith("220", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await client.CommandAsync($"MAIL FROM:<{from}>"));
        Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{to}>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        await client.SendAsync($"From: <{from}>\r\nTo: <{to}>\r\nSubject: {subject}\r\n\r\nhello\r\n.\r\n");
        return (await client.ReadReplyAsync())!;
    }

    private static async Task<(int Code, string Out, string Err)> CliAsync(string dataDir, LogCapture? logs, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var configuration = MailTumbleConfiguration.Build(new Dictionary<string, string?>
        {
            ["MailTumble:DataDir"] = dataDir,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:" + AuditCategory] = "Information",
        });
        var code = await MailTumbleCli.RunAsync(args, output, error, () => new MemoryStream(), configuration, logs is null ? null : s => s.AddSingleton<ILoggerProvider>(logs));
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Holding_an_alias_over_the_api_holds_new_mail_and_active_releases_it_and_both_are_logged()
    {
        var logs = new LogCapture();
        await using var relay = await StartAsync(logs);
        await relay.AddAliasAsync(Alias, "john@real.example.org");
        using var http = Api(relay);

        var hold = await http.PutAsJsonAsync(new Uri($"/aliases/{Alias}/status", UriKind.Relative), new { status = "held", reason = "abuse report #12" });
        Assert.Equal(HttpStatusCode.NoContent, hold.StatusCode);
        Assert.StartsWith("250", await SendRawAsync(relay, "shop@brand.example", Alias, "while held"), StringComparison.Ordinal);
        var held = Assert.Single(await ModerationTests.WaitForHeldAsync(relay, 1));
        Assert.Equal(("while held", "alias held", HeldState.Held), (held.Subject, held.Reason, held.State));
        Assert.Empty(await relay.SettleWithControlAsync());
        Assert.Equal(0, (await relay.Services.GetRequiredService<IOutgoingQueue>().GetStatsAsync(default)).Depth);

        var release = await http.PutAsJsonAsync(new Uri($"/aliases/{Alias}/status", UriKind.Relative), new { status = "active", by = "api:alice" });
        Assert.Equal(HttpStatusCode.NoContent, release.StatusCode);
        Assert.StartsWith("250", await SendRawAsync(relay, "shop@brand.example", Alias, "after release"), StringComparison.Ordinal);
        Assert.Equal("after release", Assert.Single(await relay.WaitForDeliveredAsync(1)).Header("Subject"));

        // Mail held while the alias was held stays held until someone decides.
        Assert.Single(await relay.Services.GetRequiredService<IHeldStore>().ListAsync(HeldQuery.All, default));
        Assert.Single(await relay.SettleWithControlAsync());

        var audit = logs.Messages(AuditCategory);
        Assert.Contains($"Alias <{Alias}> set held by api: abuse report #12", audit);
        Assert.Contains($"Alias <{Alias}> set active by api:alice: ", audit);
    }

    [Fact]
    public async Task Sender_rules_set_and_removed_over_the_api_are_logged_with_who_and_why()
    {
        var logs = new LogCapture();
        await using var relay = await StartAsync(logs);
        using var http = Api(relay);

        Assert.Equal(HttpStatusCode.NoContent, (await http.PutAsJsonAsync(new Uri("/senders", UriKind.Relative), new { sender = "@Brand.example", action = "block", silent = true, alias = Alias, note = "phishing", by = "api:bob" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync(new Uri($"/senders/@brand.example?alias={Alias}", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync(new Uri($"/senders/@brand.example?alias={Alias}", UriKind.Relative))).StatusCode);

        var audit = logs.Messages(AuditCategory);
        Assert.Equal(
            [$"Sender rule block (silent) @brand.example alias={Alias} set by api:bob: phishing", $"Sender rule for @brand.example alias={Alias} removed by api"],
            audit);
    }

    [Fact]
    public async Task Cli_alias_hold_release_and_sender_rules_are_logged_as_the_local_user()
    {
        using var dir = new TempDirectory();
        var logs = new LogCapture();
        Assert.Equal(0, (await CliAsync(dir.Path, null, "alias", "add", Alias, "john@real.example.org")).Code);
        Assert.Equal(0, (await CliAsync(dir.Path, logs, "alias", "hold", Alias, "--reason", "complaint from the business")).Code);
        Assert.Equal(0, (await CliAsync(dir.Path, logs, "alias", "release", Alias)).Code);
        Assert.Equal(0, (await CliAsync(dir.Path, logs, "sender", "hold", "a@shop.example", "--alias", Alias, "--note", "check first")).Code);
        Assert.Equal(0, (await CliAsync(dir.Path, logs, "sender", "rm", "a@shop.example", "--alias", Alias)).Code);
        Assert.Equal(0, (await CliAsync(dir.Path, logs, "sender", "first-contact", "on", "--alias", Alias)).Code);

        var user = "cli:" + Environment.UserName;
        Assert.Equal(
            [
                $"Alias <{Alias}> set held by {user}: complaint from the business",
                $"Alias <{Alias}> set active by {user}: ",
                $"Sender rule hold a@shop.example alias={Alias} set by {user}: check first",
                $"Sender rule for a@shop.example alias={Alias} removed by {user}",
                $"First-contact moderation on for alias={Alias} by {user}",
            ],
            logs.Messages(AuditCategory));
    }

    [Fact]
    public async Task Approved_held_mail_is_sent_ahead_of_older_bulk_mail_in_the_embedded_queue()
    {
        const int Bulk = 40;
        var logs = new LogCapture();
        await using var relay = await StartAsync(logs, new() { ["MailTumble:Outbound:MaxSendRate"] = "4" });
        const string HeldAlias = "vip@mask.example.com";
        await relay.AddAliasAsync(HeldAlias, "vip@real.example.org");
        await relay.Services.GetRequiredService<Core.Aliases.IAliasAdmin>().SetStatusAsync(HeldAlias, Core.Aliases.AliasStatus.Held, default);
        var bulkAliases = Enumerable.Range(0, Bulk).Select(i => $"b{i:00}@mask.example.com").ToList();
        foreach (var a in bulkAliases)
        {
            await relay.AddAliasAsync(a, "list@real.example.org");
        }

        // One message to 40 aliases: 40 bulk deliveries, all received before the held one.
        using (var smtp = new SmtpClient())
        {
            await smtp.ConnectAsync("127.0.0.1", relay.SmtpPort, MailKit.Security.SecureSocketOptions.None);
            var message = new MimeMessage();
            message.From.Add(new MailboxAddress("News", "news@bulk.example"));
            foreach (var a in bulkAliases)
            {
                message.To.Add(new MailboxAddress(string.Empty, a));
            }

            message.Subject = "bulk";
            message.Body = new TextPart("plain") { Text = "weekly news" };
            await smtp.SendAsync(message);
            await smtp.DisconnectAsync(true);
        }

        await ModerationTests.SendAsync(relay, "friend@people.example", "urgent", HeldAlias);
        var held = Assert.Single(await ModerationTests.WaitForHeldAsync(relay, 1));
        var sentBefore = relay.Sink.Messages.Count;
        Assert.Equal(1, await relay.Services.GetRequiredService<Moderator>().ApproveAsync(new HeldQuery(Ids: [held.Id]), "test", null, allowSender: false, default));

        var all = await relay.Sink.WaitForAsync(Bulk + 1, TimeSpan.FromSeconds(60));
        var index = all.ToList().FindIndex(m => m.Header("Subject") == "urgent");
        // Only deliveries already leased by a send worker when the approval landed may go first (three workers
        // leasing two each at this rate); first in, first out would have sent it last.
        Assert.True(index <= sentBefore + 8, $"approved mail went out as #{index}, {sentBefore} had been sent at approval");
        Assert.True(Bulk - index >= 20, $"only {Bulk - index} older bulk deliveries went out after the approved one");
    }

    [Fact]
    public async Task First_contact_per_alias_remembers_forwarded_senders_and_leaves_other_aliases_alone()
    {
        var logs = new LogCapture();
        await using var relay = await StartAsync(logs);
        const string Other = "open@mask.example.com";
        await relay.AddAliasAsync(Alias, "john@real.example.org");
        await relay.AddAliasAsync(Other, "jane@real.example.org");
        Assert.Equal(0, (await CliAsync(relay.DataDir, null, "sender", "first-contact", "on", "--alias", Alias)).Code);
        Assert.Equal(0, (await CliAsync(relay.DataDir, null, "sender", "allow", "friend@old.example", "--alias", Alias)).Code);

        // Forwarded by the allow rule while first contact is on: the sender is remembered, so after the rule goes
        // their mail still passes (they are not a first contact any more).
        await ModerationTests.SendAsync(relay, "friend@old.example", "via allow");
        await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(10));
        Assert.True(await relay.Services.GetRequiredService<ISenderRuleStore>().RemoveAsync("friend@old.example", Alias, default));
        await ModerationTests.SendAsync(relay, "friend@old.example", "known now");
        await relay.Sink.WaitForAsync(2, TimeSpan.FromSeconds(10));

        await ModerationTests.SendAsync(relay, "stranger@new.example", "first to the moderated alias");
        await ModerationTests.SendAsync(relay, "stranger@new.example", "first to the other alias", Other);
        var held = Assert.Single(await ModerationTests.WaitForHeldAsync(relay, 1));
        Assert.Equal(("first to the moderated alias", "first contact from <stranger@new.example>"), (held.Subject, held.Reason));
        Assert.Equal(3, (await relay.Sink.WaitForAsync(3, TimeSpan.FromSeconds(10))).Count);

        var approve = await CliAsync(relay.DataDir, null, "held", "approve", held.Id, "--allow-sender");
        Assert.Equal((0, "approved 1\n"), (approve.Code, approve.Out));
        await relay.Sink.WaitForAsync(4, TimeSpan.FromSeconds(10));
        await ModerationTests.SendAsync(relay, "stranger@new.example", "second to the moderated alias");
        var all = await relay.Sink.WaitForAsync(5, TimeSpan.FromSeconds(10));
        await relay.SettleWithControlAsync();

        Assert.Equal(
            ["first contact from <stranger@new.example>"],
            (await relay.Services.GetRequiredService<IHeldStore>().ListAsync(new HeldQuery(IncludeDecided: true), default)).Select(h => h.Reason));
        Assert.Equal(
            ["first to the moderated alias", "first to the other alias", "known now", "second to the moderated alias", "via allow"],
            relay.Delivered().Select(m => m.Header("Subject")).Order(StringComparer.Ordinal));
        Assert.Equal(["john@real.example.org"], all.Single(m => m.Header("Subject") == "second to the moderated alias").To);
    }

    [Fact]
    public async Task A_reject_racing_an_approval_that_is_queueing_loses_and_the_mail_goes_out_once()
    {
        var gate = new GatedQueue.Gate();
        var logs = new LogCapture();
        await using var relay = await StartAsync(logs, services: s => GatedQueue.Install(s, gate));
        await relay.AddAliasAsync(Alias, "john@real.example.org");
        await relay.Services.GetRequiredService<Core.Aliases.IAliasAdmin>().SetStatusAsync(Alias, Core.Aliases.AliasStatus.Held, default);
        await ModerationTests.SendAsync(relay, "shop@brand.example", "raced");
        var held = Assert.Single(await ModerationTests.WaitForHeldAsync(relay, 1));
        var moderator = relay.Services.GetRequiredService<Moderator>();

        // The approval stops inside its enqueue; the reject runs to completion in that window.
        var approving = Task.Run(() => moderator.ApproveAsync(new HeldQuery(Ids: [held.Id]), "test:alice", "fine", allowSender: false, default));
        await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var rejected = await moderator.RejectAsync(new HeldQuery(Ids: [held.Id]), "test:bob", "spam", default);
        gate.Release.SetResult();
        var approved = await approving;

        Assert.Equal((1, 0), (approved, rejected));
        var decided = (await relay.Services.GetRequiredService<IHeldStore>().GetAsync(held.Id, default))!;
        Assert.Equal((HeldState.Approved, "test:alice"), (decided.State, decided.Decision!.By));
        Assert.Equal("raced", Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(10))).Header("Subject"));
        Assert.Single(await relay.SettleWithControlAsync());
    }

    [Fact]
    public async Task Concurrent_approve_and_reject_of_the_same_entries_each_have_exactly_one_winner_and_consistent_outcomes()
    {
        const int Count = 12;
        var logs = new LogCapture();
        await using var relay = await StartAsync(logs);
        await relay.AddAliasAsync(Alias, "john@real.example.org");
        await relay.Services.GetRequiredService<Core.Aliases.IAliasAdmin>().SetStatusAsync(Alias, Core.Aliases.AliasStatus.Held, default);
        for (var i = 0; i < Count; i++)
        {
            await ModerationTests.SendAsync(relay, "shop@brand.example", "m" + i);
        }

        var entries = await ModerationTests.WaitForHeldAsync(relay, Count);
        var moderator = relay.Services.GetRequiredService<Moderator>();
        var outcomes = await Task.WhenAll(entries.Select(async h =>
        {
            var query = new HeldQuery(Ids: [h.Id]);
            var approve = Task.Run(() => moderator.ApproveAsync(query, "a", null, allowSender: false, default));
            var reject = Task.Run(() => moderator.RejectAsync(query, "r", null, default));
            return (h.Id, h.Subject, Approved: await approve, Rejected: await reject);
        }));

        Assert.All(outcomes, o => Assert.Equal(1, o.Approved + o.Rejected));
        var store = relay.Services.GetRequiredService<IHeldStore>();
        foreach (var o in outcomes)
        {
            Assert.Equal(o.Approved == 1 ? HeldState.Approved : HeldState.Rejected, (await store.GetAsync(o.Id, default))!.State);
        }

        var expected = outcomes.Where(o => o.Approved == 1).Select(o => o.Subject).Order(StringComparer.Ordinal).ToList();
        if (expected.Count > 0)
        {
            await relay.Sink.WaitForAsync(expected.Count, TimeSpan.FromSeconds(20));
        }

        Assert.Equal(expected, (await relay.SettleWithControlAsync()).Select(m => m.Header("Subject")!).Order(StringComparer.Ordinal));
    }

    /// <summary>Wraps the real queue; the first enqueue of approved (priority) mail waits on a gate, to open a race window.</summary>
    private sealed class GatedQueue(IOutgoingQueue inner, GatedQueue.Gate gate) : IOutgoingQueue
    {
        public static void Install(IServiceCollection services, Gate gate)
        {
            var real = services.Last(d => d.ServiceType == typeof(IOutgoingQueue));
            services.AddSingleton<IOutgoingQueue>(sp => new GatedQueue((IOutgoingQueue)real.ImplementationFactory!(sp), gate));
        }

        public async Task EnqueueAsync(IReadOnlyList<OutgoingItem> items, CancellationToken cancellationToken)
        {
            if (items.Any(i => i.Priority > 0) && gate.Entered.TrySetResult())
            {
                await gate.Release.Task.ConfigureAwait(false);
            }

            await inner.EnqueueAsync(items, cancellationToken).ConfigureAwait(false);
        }

        public Task<IReadOnlyList<LeasedItem>> LeaseAsync(int max, TimeSpan visibility, CancellationToken cancellationToken) => inner.LeaseAsync(max, visibility, cancellationToken);

        public Task<bool> AckAsync(LeasedItem item, string outcome, CancellationToken cancellationToken) => inner.AckAsync(item, outcome, cancellationToken);

        public Task RetryAsync(LeasedItem item, DateTimeOffset notBefore, string reason, CancellationToken cancellationToken) => inner.RetryAsync(item, notBefore, reason, cancellationToken);

        public Task DeadLetterAsync(LeasedItem item, string reason, CancellationToken cancellationToken) => inner.DeadLetterAsync(item, reason, cancellationToken);

        public Task EnqueueDeadAsync(IReadOnlyList<OutgoingItem> items, string reason, CancellationToken cancellationToken) => inner.EnqueueDeadAsync(items, reason, cancellationToken);

        public Task ReleaseAsync(IReadOnlyList<LeasedItem> items, CancellationToken cancellationToken) => inner.ReleaseAsync(items, cancellationToken);

        public void Finished(IReadOnlyList<LeasedItem> batch) => inner.Finished(batch);

        public Task<QueueStats> GetStatsAsync(CancellationToken cancellationToken) => inner.GetStatsAsync(cancellationToken);

        public Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken) => inner.NextDueAsync(cancellationToken);

        public Task<IReadOnlyList<DeadLetter>> ListDeadAsync(int limit, CancellationToken cancellationToken) => inner.ListDeadAsync(limit, cancellationToken);

        public Task<int> ReplayDeadAsync(IReadOnlyCollection<string>? ids, CancellationToken cancellationToken) => inner.ReplayDeadAsync(ids, cancellationToken);

        public LaneAccess LaneAccess => inner.LaneAccess;

        public Task<IReadOnlyList<string>> ListDueLanesAsync(string? after, int limit, CancellationToken cancellationToken) => inner.ListDueLanesAsync(after, limit, cancellationToken);

        public Task<IReadOnlyList<LeasedItem>> LeaseLanesAsync(IReadOnlyList<LaneTake> takes, TimeSpan visibility, CancellationToken cancellationToken) => inner.LeaseLanesAsync(takes, visibility, cancellationToken);

        public Task<LaneCensus> GetLaneCensusAsync(LaneCensusQuery query, CancellationToken cancellationToken) => inner.GetLaneCensusAsync(query, cancellationToken);

        public Task<IReadOnlyList<LaneStats>> GetLaneStatsAsync(IReadOnlyList<string> lanes, CancellationToken cancellationToken) => inner.GetLaneStatsAsync(lanes, cancellationToken);

        internal sealed class Gate
        {
            public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

            public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
