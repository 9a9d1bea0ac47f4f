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

public sealed class MessageReceiverTests
{
    private static readonly AliasRecord Alias = new("x7g2@mask.example.com", "john@real.example.org", AliasStatus.Active);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingQueue _queue = new();
    private readonly RecordingRawStore _raw = new();
    private readonly BounceAddress _bounces;
    private readonly MemorySenderRules _rules = new();
    private readonly MemoryHeldStore _held = new();

    public MessageReceiverTests() => _bounces = new BounceAddress("0123456789abcdef-secret"u8.ToArray(), TimeSpan.FromDays(7), _time);

    private MessageReceiver Receiver(RewriteOptions options) => new(
        _raw, new StoredMessages(_raw, NullLogger<StoredMessages>.Instance), _queue, _held, new ModerationPolicy(_rules, Options.Create(new ModerationOptions())), new ReceivePlanner(new HeaderRewriter(options, _time), _bounces, Options.Create(new ReceiveOptions())), new QueueSignal(), new MailTumbleMetrics(), _time, NullLogger<MessageReceiver>.Instance);

    private static MessageSource Message(string text) => MessageSource.FromMemory(System.Text.Encoding.ASCII.GetBytes(text));

    [Fact]
    public async Task The_envelope_sender_is_a_signed_bounce_address_for_the_delivery_and_target()
    {
        await Receiver(new RewriteOptions { FromEmail = "relay@relay.example" }).ReceiveAsync("a@b.example", [Alias], Message("From: a@b.example\r\n\r\nhi\r\n"), null, default);

        var item = Assert.Single(_queue.Enqueued);
        Assert.EndsWith("@relay.example", item.EnvelopeFrom, StringComparison.Ordinal);
        var check = _bounces.Check(item.EnvelopeFrom, Alias.Target);
        Assert.Equal(BounceStatus.Valid, check.Status);
        Assert.Equal(item.Id, check.DeliveryId);
        Assert.Equal(21, item.BodyOffset);
    }

    [Fact]
    public async Task Without_FROM_EMAIL_the_bounce_domain_is_the_alias_domain()
    {
        await Receiver(new RewriteOptions()).ReceiveAsync(string.Empty, [Alias], Message("From: a@b.example\r\n\r\nhi\r\n"), null, default);
        Assert.EndsWith("@mask.example.com", Assert.Single(_queue.Enqueued).EnvelopeFrom, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_past_MaxHops_is_stored_as_a_dead_letter_and_not_queued()
    {
        var (key, _, _) = await Receiver(new RewriteOptions { MaxHops = 2 }).ReceiveAsync("a@b.example", [Alias], Message("X-MailTumble-Loop: 2\r\nFrom: a@b.example\r\n\r\nhi\r\n"), null, default);

        Assert.Empty(_queue.Enqueued);
        var (item, reason) = Assert.Single(_queue.Dead);
        Assert.Equal(key, item.MessageKey);
        Assert.Contains("mail loop", reason, StringComparison.Ordinal);
        Assert.True(_raw.Keys.Contains(key), "the raw message is kept for the dead letter");
    }

    [Fact]
    public async Task A_message_that_cannot_be_made_safe_is_refused_and_nothing_is_stored()
    {
        var huge = "From: a@b.example\r\nX-Long: " + new string('a', ParsedMessage.MaxHeaderBytes + 10) + "\r\n\r\nbody";
        var ex = await Assert.ThrowsAsync<MessageRefusedException>(() => Receiver(new RewriteOptions()).ReceiveAsync("a@b.example", [Alias], Message(huge), null, default));
        Assert.Contains("header section", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_raw.Keys);
        Assert.Empty(_queue.Enqueued);
    }

    [Fact]
    public async Task An_upstream_hold_reason_sends_every_delivery_to_the_held_store()
    {
        var other = new AliasRecord("shop7@mask.example.com", "john@real.example.org", AliasStatus.Active);
        var (key, _, _) = await Receiver(new RewriteOptions()).ReceiveAsync("a@b.example", [Alias, other], Message("From: a@b.example\r\nSubject: cheap\r\n\r\nhi\r\n"), "SES verdict: spam FAIL", default);

        Assert.Empty(_queue.Enqueued);
        Assert.True(_raw.Keys.Contains(key), "held mail keeps its stored copy");
        var held = await _held.ListAsync(HeldQuery.All, default);
        Assert.Equal([other.Address, Alias.Address], held.Select(h => h.Item.Alias).Order(StringComparer.Ordinal));
        Assert.All(held, h => Assert.Equal(("SES verdict: spam FAIL", "cheap"), (h.Reason, h.Subject)));
    }

    [Fact]
    public async Task An_upstream_hold_does_not_weaken_a_block_rule()
    {
        await _rules.SetAsync(new SenderRule("a@b.example", null, SenderRuleAction.Block, false, _time.GetUtcNow(), "test"), default);

        await Assert.ThrowsAsync<MessageBlockedException>(() => Receiver(new RewriteOptions()).ReceiveAsync("a@b.example", [Alias], Message("From: a@b.example\r\n\r\nhi\r\n"), "SES verdict: spam FAIL", default));
        Assert.Empty(await _held.ListAsync(HeldQuery.All, default));
        Assert.Empty(_raw.Keys);
    }

    [Theory]
    [InlineData("FromFormat", "fancy", "MailTumble:Rewrite:FromFormat must be name, name-and-address, address or none")]
    [InlineData("ToHeader", "everyone", "MailTumble:Rewrite:ToHeader must be unchanged or target")]
    [InlineData("FromEmail", "not an address", "FROM_EMAIL (MailTumble:Rewrite:FromEmail) must be a plain address such as relay@example.com")]
    [InlineData("BounceKey", "short", "MailTumble:Rewrite:BounceKey must be at least 16 characters")]
    [InlineData("MaxHops", "0", "MailTumble:Rewrite:MaxHops must be between 1 and 100")]
    public void Bad_settings_are_named(string setting, string value, string message)
    {
        var options = new RewriteOptions();
        switch (setting)
        {
            case "FromFormat": options.FromFormat = value; break;
            case "ToHeader": options.ToHeader = value; break;
            case "FromEmail": options.FromEmail = value; break;
            case "BounceKey": options.BounceKey = value; break;
            case "MaxHops": options.MaxHops = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
        }

        var result = new RewriteOptionsValidator().Validate(null, options);
        Assert.Equal(message, Assert.Single(result.Failures!));
        Assert.True(new RewriteOptionsValidator().Validate(null, new RewriteOptions()).Succeeded);
    }
}
