using System.Text;
using MailTumble.Core.Bounces;
using MailTumble.Core.Diagnostics;
using MailTumble.Core.Aliases;
using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;
using MailTumble.Core.Receiving;
using MailTumble.Core.Replies;
using MailTumble.Core.Rewriting;
using MailTumble.Core.Storage;
using MailTumble.Testing.Replies;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Core.Tests;

/// <summary>Mail to reverse aliases through the one intake: who may reply, revocation, authentication, and what is queued.</summary>
public sealed class ReplyIntakeTests
{
    private const string Owner = "john@real.example.org";
    private static readonly AliasRecord Alias = new("x7g2@mask.example.com", Owner, AliasStatus.Active);
    private static readonly AliasRecord Other = new("y8h3@mask.example.com", "mallory@evil.example", AliasStatus.Active);
    private static readonly AliasRecord Disabled = new("off1@mask.example.com", Owner, AliasStatus.Disabled);
    private static readonly TwoWayMasking Masking = new("reply-intake-test-key-0123456789"u8.ToArray());
    private static readonly string Shop = Masking.Aliases.Create(Alias.Address, "shop@brand.example")!;
    private static readonly string Bob = Masking.Aliases.Create(Alias.Address, "bob@other.example")!;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingQueue _queue = new();
    private readonly RecordingRawStore _raw = new();
    private readonly MemorySenderRules _rules = new();

    private MessageIntake Intake(ReplyOptions? reply = null)
    {
        var bounces = new BounceAddress("0123456789abcdef-secret"u8.ToArray(), TimeSpan.FromDays(7), _time);
        var moderation = new ModerationPolicy(_rules, Options.Create(new ModerationOptions()));
        var replyOptions = Options.Create(reply ?? new ReplyOptions());
        var directory = new MemoryDirectory(Alias, Other, Disabled);
        var stored = new StoredMessages(_raw, NullLogger<StoredMessages>.Instance);
        var receiver = new MessageReceiver(_raw, stored, _queue, new MemoryHeldStore(), moderation, new ReceivePlanner(new HeaderRewriter(new RewriteOptions(), _time, replyOptions.Value.Enabled ? Masking : null), bounces, Options.Create(new ReceiveOptions())), new QueueSignal(), new MailTumbleMetrics(), _time, NullLogger<MessageReceiver>.Instance);
        var policy = new RecipientPolicy(directory, Options.Create(new ReceiveOptions()), NullLogger<RecipientPolicy>.Instance, bounces, null, Masking, replyOptions);
        var replies = new ReplyReceiver(_raw, stored, _queue, bounces, Masking, Options.Create(new RewriteOptions()), replyOptions, Options.Create(new ReceiveOptions()), new QueueSignal(), new MailTumbleMetrics(), _time, NullLogger<ReplyReceiver>.Instance);
        return new MessageIntake(policy, moderation, receiver, _raw, stored, NullLogger<MessageIntake>.Instance, feedback: null, replies: replies);
    }

    private static MessageSource Source(string text) => MessageSource.FromMemory(Encoding.UTF8.GetBytes(text));

    private static string Reply(string from = Owner, string? to = null, string extra = "") =>
        $"{extra}From: John <{from}>\r\nTo: {to ?? "Shop <" + Shop + ">"}\r\nSubject: Re: order\r\nMessage-ID: <r1@mail.real.example.org>\r\n\r\nThanks. -- {from}\r\n";

    [Fact]
    public async Task A_reply_from_the_owner_is_queued_to_the_correspondent_from_the_alias_and_scrubbed()
    {
        var result = await Intake().ReceiveAsync(new IntakeEnvelope(Owner, IntakeOrigin.Smtp), [Shop], Source(Reply()), default);
        Assert.Equal(250, result.Reply.Code);
        var item = Assert.Single(_queue.Enqueued);
        Assert.Equal((Shop, "shop@brand.example"), (item.Alias, item.Recipient));
        Assert.Equal(BounceStatus.Valid, new BounceAddress("0123456789abcdef-secret"u8.ToArray(), TimeSpan.FromDays(7), _time).Check(item.EnvelopeFrom, "shop@brand.example").Status);
        Assert.EndsWith("@mask.example.com", item.EnvelopeFrom, StringComparison.Ordinal);
        var headers = ParsedMessage.LoadHeaders(item.Headers.ToArray());
        Assert.Equal(Alias.Address, headers["From"]);
        Assert.Equal("Shop <shop@brand.example>", headers["To"]);

        // The body named the owner: the stored copy is the scrubbed one (and only that one is kept).
        var stored = Encoding.UTF8.GetString(Assert.Single(_raw.Contents).Value);
        Assert.Equal(item.MessageKey, _raw.Keys.Single());
        Assert.Contains("Thanks. -- x7g2@mask.example.com", stored, StringComparison.Ordinal);
        Assert.Empty(Leaks.Find(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(item.Headers.Span) + "\r\n" + stored[(int)item.BodyOffset..]), Owner));
    }

    [Fact]
    public async Task Reply_all_to_two_reverse_aliases_queues_one_delivery_each()
    {
        var result = await Intake().ReceiveAsync(new IntakeEnvelope(Owner, IntakeOrigin.Smtp), [Shop, Bob], Source(Reply(to: $"{Shop}, Bob <{Bob}>")), default);
        Assert.Equal(250, result.Reply.Code);
        Assert.Equal(["shop@brand.example", "bob@other.example"], _queue.Enqueued.Select(i => i.Recipient));
        Assert.All(_queue.Enqueued, i => Assert.Equal("shop@brand.example, Bob <bob@other.example>", ParsedMessage.LoadHeaders(i.Headers.ToArray())["To"]));
        Assert.Single(_queue.Enqueued.Select(i => i.MessageKey).Distinct());
    }

    [Theory]
    [InlineData("mallory@evil.example")]
    [InlineData("")]
    [InlineData("JOHN@real.example.org.evil.example")]
    public async Task Anyone_but_the_owner_is_refused_at_RCPT_and_nothing_is_queued(string sender)
    {
        var intake = Intake();
        var decision = await intake.CheckRecipientAsync(sender, Shop, default);
        Assert.Equal((false, 550), (decision.Accepted, decision.Reply.Code));
        Assert.StartsWith($"5.7.1 <{Shop}>: Reply refused", decision.Reply.Text, StringComparison.Ordinal);
        var result = await intake.ReceiveAsync(new IntakeEnvelope(sender, IntakeOrigin.Pipe), [Shop], Source(Reply(from: sender.Length > 0 ? sender : Owner)), default);
        Assert.Equal(550, result.Reply.Code);
        Assert.Empty(_queue.Enqueued);
        Assert.Empty(_raw.Keys);
    }

    [Fact]
    public async Task Another_alias_owner_cannot_use_this_alias_reverse_alias()
    {
        // mallory owns y8h3 and got hold of x7g2's reverse alias: she is not x7g2's owner, and re-signing it for y8h3 fails.
        var decision = await Intake().CheckRecipientAsync(Other.Target, Shop, default);
        Assert.Equal(550, decision.Reply.Code);
        var moved = "y8h3" + Shop[4..];
        var forged = await Intake().CheckRecipientAsync(Other.Target, moved, default);
        Assert.False(forged.Accepted);
        Assert.Null(forged.Reverse);
    }

    [Fact]
    public async Task A_header_From_that_is_not_the_owner_is_refused_after_DATA()
    {
        var result = await Intake().ReceiveAsync(new IntakeEnvelope(Owner, IntakeOrigin.Smtp), [Shop], Source(Reply(from: "ceo@brand.example")), default);
        Assert.Equal(550, result.Reply.Code);
        Assert.StartsWith("5.7.1", result.Reply.Text, StringComparison.Ordinal);
        Assert.Empty(_queue.Enqueued);
    }

    [Fact]
    public async Task Blocking_the_correspondent_for_the_alias_revokes_the_reverse_alias()
    {
        await _rules.SetAsync(new SenderRule("shop@brand.example", Alias.Address, SenderRuleAction.Block, false, _time.GetUtcNow(), "test"), default);
        var decision = await Intake().CheckRecipientAsync(Owner, Shop, default);
        Assert.Equal(550, decision.Reply.Code);
        Assert.Contains("blocked", decision.Reply.Text, StringComparison.Ordinal);
        Assert.True((await Intake().CheckRecipientAsync(Owner, Bob, default)).Accepted);
    }

    [Fact]
    public async Task A_reverse_alias_of_a_disabled_or_removed_alias_is_refused_and_replies_can_be_switched_off()
    {
        var disabled = Masking.Aliases.Create(Disabled.Address, "shop@brand.example")!;
        Assert.Equal(550, (await Intake().CheckRecipientAsync(Owner, disabled, default)).Reply.Code);
        var removed = Masking.Aliases.Create("gone@mask.example.com", "shop@brand.example")!;
        Assert.StartsWith("5.1.1", (await Intake().CheckRecipientAsync(Owner, removed, default)).Reply.Text, StringComparison.Ordinal);
        var off = await Intake(new ReplyOptions { Enabled = false }).CheckRecipientAsync(Owner, Shop, default);
        Assert.False(off.Accepted);
    }

    [Theory]
    [InlineData("mx.mask.example.com; spf=pass smtp.mailfrom=real.example.org; dkim=none", true)]
    [InlineData("mx.mask.example.com; spf=fail smtp.mailfrom=real.example.org; dkim=pass header.d=real.example.org", true)]
    [InlineData("mx.mask.example.com; spf=softfail smtp.mailfrom=john@real.example.org; dkim=pass header.d=evil.example", false)]
    [InlineData("mx.mask.example.com; spf=none; dkim=none; dmarc=none", false)]
    [InlineData("other.example; spf=pass smtp.mailfrom=real.example.org", false)]
    public async Task With_a_trusted_authserv_id_SPF_or_DKIM_must_pass_for_the_owner_domain(string results, bool accepted)
    {
        var intake = Intake(new ReplyOptions { TrustedAuthServId = "mx.mask.example.com" });
        var result = await intake.ReceiveAsync(new IntakeEnvelope(Owner, IntakeOrigin.Smtp), [Shop], Source(Reply(extra: $"Authentication-Results: {results}\r\n")), default);
        Assert.Equal(accepted ? 250 : 550, result.Reply.Code);
        Assert.Equal(accepted ? 1 : 0, _queue.Enqueued.Count);
        if (accepted)
        {
            Assert.DoesNotContain("Authentication-Results", Encoding.ASCII.GetString(_queue.Enqueued[0].Headers.Span), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [InlineData("PASS", "FAIL", null, true)]
    [InlineData("FAIL", "PASS", "real.example.org", true)]
    [InlineData("FAIL", "PASS", "evil.example", false)]
    [InlineData("FAIL", "FAIL", "real.example.org", false)]
    [InlineData("GRAY", "PROCESSING_FAILED", null, false)]
    public async Task Ingress_verdicts_decide_like_SES_does(string spf, string dkim, string? signedBy, bool accepted)
    {
        var checks = new AuthenticationCheck[] { new("spf", spf.ToLowerInvariant(), "real.example.org"), new("dkim", dkim.ToLowerInvariant(), null) };
        var envelope = new IntakeEnvelope(Owner, IntakeOrigin.Ses) { Authentication = new SenderAuthentication("SES", checks) };
        var signature = signedBy is null ? string.Empty : $"DKIM-Signature: v=1; a=rsa-sha256; d={signedBy}; s=s1;\r\n\tbh=abc; b=def\r\n";
        var result = await Intake().ReceiveAsync(envelope, [Shop], Source(Reply(extra: signature)), default);
        Assert.Equal(accepted ? 250 : 550, result.Reply.Code);
        Assert.Equal(accepted ? 1 : 0, _queue.Enqueued.Count);
    }

    [Fact]
    public async Task A_reply_that_also_goes_to_an_alias_is_forwarded_there_and_replied_to_the_correspondent()
    {
        var result = await Intake().ReceiveAsync(new IntakeEnvelope(Owner, IntakeOrigin.Smtp), [Shop, Other.Address], Source(Reply(to: $"{Shop}, {Other.Address}")), default);
        Assert.Equal(250, result.Reply.Code);
        Assert.Equal([(Shop, "shop@brand.example"), (Other.Address, Other.Target)], _queue.Enqueued.Select(i => (i.Alias, i.Recipient)).OrderByDescending(p => p.Item1.Length));
        Assert.Equal(2, _raw.Keys.Count);
    }
}
