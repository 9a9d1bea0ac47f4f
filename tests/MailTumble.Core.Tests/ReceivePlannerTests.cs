using System.Buffers;
using System.Text;
using MailTumble.Core.Aliases;
using MailTumble.Core.Bounces;
using MailTumble.Core.Moderation;
using MailTumble.Core.Receiving;
using MailTumble.Core.Rewriting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Core.Tests;

/// <summary>
/// The receive plan (per alias: queue, hold, dead-letter, block or drop; or refuse the whole message) from given
/// moderation decisions, without a store, a queue or a socket.
/// </summary>
public sealed class ReceivePlannerTests
{
    private const string Text = "From: Shop <Shop@Brand.example>\r\nSubject: offer\r\n\r\nhi\r\n";
    private static readonly AliasRecord Alias = new("x7g2@mask.example.com", "john@real.example.org", AliasStatus.Active);
    private static readonly AliasRecord Other = new("shop7@mask.example.com", "jane@real.example.org", AliasStatus.Active);
    private static readonly ModerationDecision Hold = new(ModerationVerdict.Hold, "first contact from <shop@brand.example>");
    private static readonly ModerationDecision Block = new(ModerationVerdict.Block, "sender rule: block shop@brand.example");
    private static readonly ModerationDecision Drop = new(ModerationVerdict.Drop, "sender rule: drop shop@brand.example");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly ReceivePlanner _planner;

    public ReceivePlannerTests() => _planner = Planner(new RewriteOptions());

    private ReceivePlanner Planner(RewriteOptions options) => new(
        new HeaderRewriter(options, _time), new BounceAddress("0123456789abcdef-secret"u8.ToArray(), TimeSpan.FromDays(7), _time), Options.Create(new ReceiveOptions()));

    private ReceiveRequest Request(string text = Text, string? holdReason = null) =>
        ReceiveRequest.For("bounces@brand.example", "k1", ParsedMessage.Parse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text))), text.Length, holdReason, _time.GetUtcNow());

    [Fact]
    public void Forwarded_mail_is_one_queued_delivery_per_live_target_and_a_new_sender_is_remembered_once()
    {
        var several = Alias with { Targets = ["john@real.example.org", "john@work.example.org", "old@real.example.org"], DeadTargets = ["old@real.example.org"] };
        var plan = _planner.Plan(Request(), [(several, new ModerationDecision(ModerationVerdict.Forward, "sender rule: allow", NewSender: true))]);

        Assert.True(plan.Keeps);
        Assert.Equal(["john@real.example.org", "john@work.example.org"], plan.Queued.Select(i => i.Recipient));
        Assert.All(plan.Queued, i => Assert.Equal(("k1", Alias.Address, _time.GetUtcNow() + new ReceiveOptions().MaxQueueLifetime), (i.MessageKey, i.Alias, i.ExpiresAt)));
        Assert.Equal((RecipientDisposition.Queued, plan.Queued[0].Id), plan.Dispositions[Alias.Address]);
        Assert.Equal([(Alias.Address, "shop@brand.example")], plan.NewSenders);
        Assert.Empty(plan.Held);
        Assert.Empty(plan.Moderated);
        Assert.Null(plan.Blocked);
        Assert.Null(plan.Refused);
    }

    [Fact]
    public void Held_mail_names_the_author_the_subject_and_the_reason_and_an_upstream_verdict_comes_first()
    {
        var plan = _planner.Plan(Request(holdReason: "SES verdict: spam FAIL"), [(Alias, Hold), (Other, ModerationDecision.Forward)]);

        Assert.Empty(plan.Queued);
        Assert.Empty(plan.NewSenders);
        Assert.Equal(
            [(Alias.Address, "SES verdict: spam FAIL; first contact from <shop@brand.example>"), (Other.Address, "SES verdict: spam FAIL")],
            plan.Held.Select(h => (h.Item.Alias, h.Reason)));
        Assert.All(plan.Held, h => Assert.Equal(("shop@brand.example", "bounces@brand.example", "offer", (long)Text.Length), (h.Sender, h.EnvelopeSender, h.Subject, h.Size)));
        Assert.Equal(RecipientDisposition.Held, plan.Dispositions[Other.Address].Disposition);

        var own = Assert.Single(_planner.Plan(Request(), [(Alias, Hold)]).Held);
        Assert.Equal(Hold.Reason, own.Reason);
    }

    [Fact]
    public void A_blocking_alias_does_not_get_the_message_and_when_every_alias_blocks_it_the_message_is_refused()
    {
        var partly = _planner.Plan(Request(), [(Alias, Block), (Other, ModerationDecision.Forward)]);
        Assert.Null(partly.Blocked);
        Assert.Equal([new ModeratedRecipient(Alias.Address, ModerationVerdict.Block, Block.Reason)], partly.Moderated);
        Assert.Equal((RecipientDisposition.Blocked, null), partly.Dispositions[Alias.Address]);
        Assert.Equal(Other.Address, Assert.Single(partly.Queued).Alias);

        var whole = _planner.Plan(Request(), [(Alias, Block), (Other, Block)]);
        Assert.Equal($"5.7.1 <{Alias.Address}>: Message refused by the recipient's rules", whole.Blocked);
        Assert.Equal(2, whole.Moderated.Count);
        Assert.False(whole.Keeps);
    }

    [Fact]
    public void Mail_dropped_by_a_rule_or_for_an_alias_whose_targets_all_died_keeps_nothing()
    {
        var dead = Other with { DeadTargets = [Other.Target] };
        var plan = _planner.Plan(Request(), [(Alias, Drop), (dead, ModerationDecision.Forward)]);

        Assert.False(plan.Keeps);
        Assert.Null(plan.Blocked);
        Assert.Equal((RecipientDisposition.Dropped, null), plan.Dispositions[Alias.Address]);
        Assert.Equal((RecipientDisposition.Dropped, null), plan.Dispositions[dead.Address]);
        Assert.Equal([new ModeratedRecipient(Alias.Address, ModerationVerdict.Drop, Drop.Reason)], plan.Moderated);
    }

    [Fact]
    public void A_message_past_MaxHops_is_planned_as_a_dead_letter_not_a_delivery()
    {
        var plan = Planner(new RewriteOptions { MaxHops = 2 }).Plan(Request("X-MailTumble-Loop: 2\r\n" + Text), [(Alias, ModerationDecision.Forward)]);

        Assert.True(plan.Keeps);
        Assert.Empty(plan.Queued);
        var (item, reason) = Assert.Single(plan.Loops);
        Assert.Contains("mail loop", reason, StringComparison.Ordinal);
        Assert.Equal((RecipientDisposition.DeadLettered, item.Id), plan.Dispositions[Alias.Address]);
    }

    [Fact]
    public void A_message_that_cannot_be_made_safe_is_refused_whole_after_the_rules_that_already_stopped_it()
    {
        var huge = "From: a@b.example\r\nX-Long: " + new string('a', ParsedMessage.MaxHeaderBytes + 10) + "\r\n\r\nbody";
        var plan = _planner.Plan(Request(huge), [(Other, Drop), (Alias, ModerationDecision.Forward)]);

        Assert.Contains("header section", plan.Refused, StringComparison.Ordinal);
        Assert.Empty(plan.Queued);
        Assert.Equal(Other.Address, Assert.Single(plan.Moderated).Alias);
    }
}
