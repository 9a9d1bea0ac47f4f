using System.Buffers;
using MailTumble.Core.Bounces;
using MailTumble.Core.Diagnostics;
using MailTumble.Core.Aliases;
using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;
using MailTumble.Core.Receiving;
using MailTumble.Core.Rewriting;
using MailTumble.Core.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Core.Tests;

/// <summary>The one intake: what a refused recipient means per transport, and who owns bytes that arrive already stored.</summary>
public sealed class MessageIntakeTests
{
    private const string Mail = "From: Shop <a@b.example>\r\nSubject: hi\r\n\r\nhello\r\n";
    private static readonly AliasRecord Alias = new("x7g2@mask.example.com", "john@real.example.org", AliasStatus.Active);
    private static readonly AliasRecord Other = new("shop7@mask.example.com", "jane@real.example.org", AliasStatus.Active);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingQueue _queue = new();
    private readonly RecordingRawStore _raw = new();
    private readonly MemorySenderRules _rules = new();
    private readonly MemoryHeldStore _held = new();
    private readonly MemoryDirectory _directory = new(Alias, Other);

    private MessageIntake Intake()
    {
        var bounces = new BounceAddress("0123456789abcdef-secret"u8.ToArray(), TimeSpan.FromDays(7), _time);
        var moderation = new ModerationPolicy(_rules, Options.Create(new ModerationOptions()));
        var stored = new StoredMessages(_raw, NullLogger<StoredMessages>.Instance);
        var receiver = new MessageReceiver(_raw, stored, _queue, _held, moderation, new ReceivePlanner(new HeaderRewriter(new RewriteOptions(), _time), bounces, Options.Create(new ReceiveOptions())), new QueueSignal(), new MailTumbleMetrics(), _time, NullLogger<MessageReceiver>.Instance);
        var policy = new RecipientPolicy(_directory, Options.Create(new ReceiveOptions()), NullLogger<RecipientPolicy>.Instance, bounces);
        return new MessageIntake(policy, moderation, receiver, _raw, stored, NullLogger<MessageIntake>.Instance, feedback: null);
    }

    private static MessageSource Source(string text = Mail) => MessageSource.FromMemory(System.Text.Encoding.ASCII.GetBytes(text));

    [Fact]
    public async Task A_pipe_refuses_the_whole_message_for_one_unknown_recipient_and_defers_it_for_one_outage()
    {
        var unknown = await Intake().ReceiveAsync(new IntakeEnvelope("a@b.example", IntakeOrigin.Pipe), [Alias.Address, "nobody@mask.example.com"], Source(), default);
        Assert.Equal((550, false, null), (unknown.Reply.Code, unknown.Accepted, unknown.MessageKey));
        Assert.StartsWith("5.1.1 <nobody@mask.example.com>", unknown.Reply.Text, StringComparison.Ordinal);
        Assert.Equal([RecipientDisposition.Refused, RecipientDisposition.Refused], unknown.Recipients.Select(r => r.Disposition));

        _directory.Down.Add(Other.Address);
        var outage = await Intake().ReceiveAsync(new IntakeEnvelope("a@b.example", IntakeOrigin.Pipe), [Alias.Address, Other.Address], Source(), default);
        Assert.Equal(451, outage.Reply.Code);
        Assert.Equal([RecipientDisposition.Deferred, RecipientDisposition.Deferred], outage.Recipients.Select(r => r.Disposition));
        Assert.Empty(_queue.Enqueued);
        Assert.Empty(_raw.Keys);
    }

    [Fact]
    public async Task SES_ingress_queues_the_known_recipients_logs_the_unknown_and_defers_everything_for_an_outage()
    {
        var result = await Intake().ReceiveAsync(new IntakeEnvelope("a@b.example", IntakeOrigin.Ses), ["nobody@mask.example.com", Alias.Address, Other.Address], Source(), default);
        Assert.Equal(250, result.Reply.Code);
        Assert.Equal(
            [("nobody@mask.example.com", RecipientDisposition.Refused), (Alias.Address, RecipientDisposition.Queued), (Other.Address, RecipientDisposition.Queued)],
            result.Recipients.Select(r => (r.Address, r.Disposition)));
        Assert.Equal(result.Recipients.Where(r => r.DeliveryId is not null).Select(r => r.DeliveryId), _queue.Enqueued.Select(i => i.Id));
        Assert.Equal([result.MessageKey!], _raw.Keys);

        _directory.Down.Add(Other.Address);
        var outage = await Intake().ReceiveAsync(new IntakeEnvelope("a@b.example", IntakeOrigin.Ses), [Alias.Address, Other.Address], Source(), default);
        Assert.Equal((451, 2), (outage.Reply.Code, _queue.Enqueued.Count));
    }

    [Fact]
    public async Task A_blocked_envelope_sender_is_refused_at_recipient_time_for_that_alias_only()
    {
        await _rules.SetAsync(new SenderRule("spam@b.example", Alias.Address, SenderRuleAction.Block, false, _time.GetUtcNow(), "test"), default);
        var intake = Intake();

        var blocked = await intake.CheckRecipientAsync("spam@b.example", Alias.Address, default);
        Assert.Equal((false, 550), (blocked.Accepted, blocked.Reply.Code));
        Assert.StartsWith("5.7.1 <x7g2@mask.example.com>", blocked.Reply.Text, StringComparison.Ordinal);
        Assert.True((await intake.CheckRecipientAsync("spam@b.example", Other.Address, default)).Accepted);
        Assert.True((await intake.CheckRecipientAsync("friend@b.example", Alias.Address, default)).Accepted);
    }

    [Fact]
    public async Task Bytes_that_arrive_already_stored_are_kept_under_their_key_when_accepted_and_released_when_not()
    {
        var intake = Intake();
        var envelope = new IntakeEnvelope("a@b.example", IntakeOrigin.Smtp);
        var accepted = await intake.AcceptAsync(envelope, [await intake.CheckRecipientAsync("a@b.example", Alias.Address, default)], await StoredAsync("streamed-1"), default);
        Assert.Equal(("streamed-1", 250), (accepted.MessageKey, accepted.Reply.Code));
        Assert.Equal("streamed-1", Assert.Single(_queue.Enqueued).MessageKey);
        Assert.Equal(1, _raw.Puts); // the transport's own write; the intake copied nothing

        // Refused for good (a header section that cannot be made safe), and dropped by every recipient: both let go of the bytes.
        var huge = "From: a@b.example\r\nX-Long: " + new string('a', ParsedMessage.MaxHeaderBytes + 10) + "\r\n\r\nbody";
        var refused = await intake.AcceptAsync(envelope, [await intake.CheckRecipientAsync("a@b.example", Alias.Address, default)], await StoredAsync("streamed-2", huge), default);
        Assert.Equal(554, refused.Reply.Code);

        await _rules.SetAsync(new SenderRule("a@b.example", null, SenderRuleAction.Block, true, _time.GetUtcNow(), "test"), default);
        var dropped = await intake.AcceptAsync(envelope, [await intake.CheckRecipientAsync(string.Empty, Alias.Address, default)], await StoredAsync("streamed-3"), default);
        Assert.Equal((250, null, RecipientDisposition.Dropped), (dropped.Reply.Code, dropped.MessageKey, Assert.Single(dropped.Recipients).Disposition));

        Assert.Equal(["streamed-1"], _raw.Keys);
    }

    [Fact]
    public async Task A_report_recipient_without_feedback_processing_is_a_temporary_failure_and_no_valid_recipient_a_554()
    {
        var bounces = new BounceAddress("0123456789abcdef-secret"u8.ToArray(), TimeSpan.FromDays(7), _time);
        var intake = Intake();
        var report = await intake.ReceiveAsync(new IntakeEnvelope(string.Empty, IntakeOrigin.Ses), [bounces.Create(Guid.NewGuid().ToString("N"), Alias.Target, "mask.example.com")], Source(), default);
        Assert.Equal((451, RecipientDisposition.Deferred), (report.Reply.Code, Assert.Single(report.Recipients).Disposition));

        var none = await intake.ReceiveAsync(new IntakeEnvelope("a@b.example", IntakeOrigin.Ses), ["nobody@mask.example.com"], Source(), default);
        Assert.Equal((554, "5.5.1 No valid recipients"), (none.Reply.Code, none.Reply.Text));
        Assert.Empty(_raw.Keys);
    }

    /// <summary>A transport that streamed the message into the raw store as it arrived.</summary>
    private async Task<MessageSource> StoredAsync(string key, string text = Mail)
    {
        var bytes = new ReadOnlySequence<byte>(System.Text.Encoding.ASCII.GetBytes(text));
        await _raw.PutAsync(key, bytes, default);
        return new StoredSource(key, bytes);
    }

    private sealed class StoredSource(string key, ReadOnlySequence<byte> bytes) : MessageSource
    {
        public override long Length => bytes.Length;

        public override ReadOnlySequence<byte> Head => bytes.Slice(0, HeadLength(bytes.Length));

        public override string? StoredKey => key;

        public override Task<string> StoreAsync(IRawStore store, string key1, CancellationToken cancellationToken) => Task.FromResult(key);

        public override Task<Stream> OpenReadAsync(IRawStore store, CancellationToken cancellationToken) => store.OpenReadAsync(key, cancellationToken);
    }
}
