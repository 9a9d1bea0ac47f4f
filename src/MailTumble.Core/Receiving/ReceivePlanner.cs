using MailTumble.Core.Aliases;
using MailTumble.Core.Bounces;
using MailTumble.Core.Fairness;
using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;
using MailTumble.Core.Rewriting;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Receiving;

/// <summary>
/// The receive plan of <see cref="MessageReceiver"/>, without I/O: from the moderation decision per alias, rewrites the
/// header block per live target and says what happens to each delivery (queued, held, dead-lettered as a loop) and to
/// each alias (blocked, dropped), or that the whole message is refused. Storing and compensating stay with the receiver.
/// </summary>
internal sealed class ReceivePlanner
{
    private readonly HeaderRewriter _rewriter;
    private readonly BounceAddress _bounces;
    private readonly ReceiveOptions _options;
    private readonly LanePolicy? _lanes;

    /// <summary>Creates the planner.</summary>
    public ReceivePlanner(HeaderRewriter rewriter, BounceAddress bounces, IOptions<ReceiveOptions> options, LanePolicy? lanes = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _rewriter = rewriter;
        _bounces = bounces;
        _options = options.Value;
        _lanes = lanes;
    }

    /// <summary>
    /// Plans <paramref name="request"/> for <paramref name="aliases"/> (distinct, each with its moderation decision).
    /// Every delivery that the rules would forward is held instead when the request has a hold reason; blocks and drops
    /// still apply.
    /// </summary>
    public ReceivePlan Plan(ReceiveRequest request, IReadOnlyList<(AliasRecord Alias, ModerationDecision Decision)> aliases)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(aliases);
        var (envelopeFrom, key, parsed, size, holdReason, now) = request;
        var bulk = LanePolicy.IsBulk(parsed);
        var (subject, sender) = (request.Subject, request.Sender);
        var dispositions = new Dictionary<string, (RecipientDisposition, string?)>(StringComparer.Ordinal);
        var items = new List<OutgoingItem>(aliases.Count);
        var held = new List<HeldMessage>();
        var loops = new List<(OutgoingItem, string)>();
        var newSenders = new List<(string, string)>();
        var moderated = new List<ModeratedRecipient>();
        ReceivePlan Result() => new(items, held, loops, newSenders, moderated, dispositions);

        var blocked = 0;
        foreach (var (alias, decision) in aliases)
        {
            if (decision.Verdict == ModerationVerdict.Block)
            {
                // Only the whole message can be refused after DATA: refuse it when every recipient blocks it,
                // otherwise the blocking alias alone does not get it.
                moderated.Add(new ModeratedRecipient(alias.Address, decision.Verdict, decision.Reason));
                dispositions[alias.Address] = (RecipientDisposition.Blocked, null);
                if (++blocked == aliases.Count)
                {
                    var first = moderated.First(m => m.Verdict == ModerationVerdict.Block).Alias;
                    return Result() with { Blocked = $"5.7.1 <{first}>: Message refused by the recipient's rules" };
                }

                continue;
            }

            if (decision.Verdict == ModerationVerdict.Drop)
            {
                moderated.Add(new ModeratedRecipient(alias.Address, decision.Verdict, decision.Reason));
                dispositions[alias.Address] = (RecipientDisposition.Dropped, null);
                continue;
            }

            // One item per live target: each is sent, retried, held and reported on by itself.
            foreach (var target in alias.LiveTargets)
            {
                var id = Guid.CreateVersion7(now).ToString("N");
                var result = _rewriter.Rewrite(parsed, new RewriteInput(alias.Visible, target, envelopeFrom, id, key, alias.Tag));
                if (result.Verdict == RewriteVerdict.Refuse)
                {
                    return Result() with { Refused = result.Reason! };
                }

                var item = new OutgoingItem(
                    Id: id,
                    MessageKey: key,
                    Alias: alias.Address,
                    Recipient: target,
                    EnvelopeFrom: _bounces.Create(id, target, _rewriter.OurDomain(alias.Address)),
                    Headers: result.Headers,
                    BodyOffset: parsed.BodyOffset,
                    ReceivedAt: now,
                    ExpiresAt: now + _options.MaxQueueLifetime,
                    Lane: _lanes?.Key(envelopeFrom, alias with { Target = target }, parsed) ?? LaneKeys.ForSender(envelopeFrom),
                    Bulk: bulk);
                var first = !dispositions.ContainsKey(alias.Address);
                if (result.Verdict == RewriteVerdict.Loop)
                {
                    loops.Add((item, result.Reason!));
                    dispositions.TryAdd(alias.Address, (RecipientDisposition.DeadLettered, id));
                }
                else if (decision.Verdict == ModerationVerdict.Hold || holdReason is not null)
                {
                    var reason = (decision.Verdict == ModerationVerdict.Hold, holdReason) switch
                    {
                        (true, null) => decision.Reason,
                        (true, _) => $"{holdReason}; {decision.Reason}",
                        _ => holdReason!,
                    };
                    held.Add(new HeldMessage(item, sender, envelopeFrom, subject, size, reason, now));
                    dispositions.TryAdd(alias.Address, (RecipientDisposition.Held, id));
                }
                else
                {
                    items.Add(item);
                    dispositions.TryAdd(alias.Address, (RecipientDisposition.Queued, id));
                    if (first && decision.NewSender && sender.Length > 0)
                    {
                        newSenders.Add((alias.Address, sender));
                    }
                }
            }

            // Every target dead since RCPT: nothing to send it to.
            dispositions.TryAdd(alias.Address, (RecipientDisposition.Dropped, null));
        }

        return Result();
    }
}
