using MailTumble.Core.Aliases;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Moderation;

/// <summary>
/// Decides forward / hold / block / drop for mail from some senders to one alias. The most specific
/// matching rule wins (per alias over global, address over domain; on a tie block, then allow, then hold);
/// a block beats an alias hold, an alias hold beats allow, and allow beats first-contact moderation.
/// </summary>
public sealed class ModerationPolicy
{
    private readonly ISenderRuleStore _rules;
    private readonly ModerationOptions _options;

    /// <summary>Creates the policy.</summary>
    public ModerationPolicy(ISenderRuleStore rules, IOptions<ModerationOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _rules = rules;
        _options = options.Value;
    }

    /// <summary>Decides for <paramref name="alias"/>; <paramref name="senders"/> are the author first, then the envelope sender.</summary>
    public async ValueTask<ModerationDecision> DecideAsync(AliasRecord alias, IReadOnlyList<string> senders, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alias);
        var candidates = senders.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s.Trim().ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList();
        var facts = await _rules.GetFactsAsync(alias.Address, candidates, cancellationToken).ConfigureAwait(false);
        var rules = facts.Rules.Select(r => (Rule: r, Specificity: r.Specificity));
        if (alias is { Tag: not null, Requested: { } tagged })
        {
            // Rules for the tagged address (alias+tag@…) apply to mail sent with that tag only, before the alias's own.
            var forTag = await _rules.GetFactsAsync(tagged, candidates, cancellationToken).ConfigureAwait(false);
            rules = rules.Concat(forTag.Rules.Where(r => string.Equals(r.Alias, tagged, StringComparison.OrdinalIgnoreCase)).Select(r => (Rule: r, Specificity: r.Specificity + 4)));
        }

        var rule = rules
            .OrderByDescending(r => r.Specificity)
            .ThenByDescending(r => r.Rule.Action switch { SenderRuleAction.Block => 2, SenderRuleAction.Allow => 1, _ => 0 })
            .Select(r => r.Rule)
            .FirstOrDefault();

        if (rule is { Action: SenderRuleAction.Block })
        {
            return new(rule.Silent ? ModerationVerdict.Drop : ModerationVerdict.Block, "sender rule: " + rule);
        }

        if (alias.Status == AliasStatus.Held)
        {
            return new(ModerationVerdict.Hold, "alias held");
        }

        var newSender = (facts.FirstContact ?? _options.FirstContact) && !facts.Known;
        switch (rule?.Action)
        {
            case SenderRuleAction.Hold:
                return new(ModerationVerdict.Hold, "sender rule: " + rule);
            case SenderRuleAction.Allow:
                return new(ModerationVerdict.Forward, "sender rule: " + rule, newSender);
        }

        if (newSender)
        {
            return new(ModerationVerdict.Hold, "first contact from <" + (candidates.FirstOrDefault() ?? string.Empty) + ">");
        }

        return ModerationDecision.Forward;
    }

    /// <summary>
    /// Records that each alias has now received mail from the sender, so a later message from them is not a
    /// first contact (whatever let this one through: an allow rule, or approval).
    /// </summary>
    public Task RememberAsync(IReadOnlyCollection<(string Alias, string Sender)> pairs, CancellationToken cancellationToken) =>
        _rules.RememberAsync(pairs, cancellationToken);
}
