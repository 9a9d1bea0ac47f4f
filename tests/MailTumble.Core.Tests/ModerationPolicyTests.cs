using MailTumble.Core.Aliases;
using MailTumble.Core.Moderation;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Tests;

public sealed class ModerationPolicyTests
{
    private static readonly AliasRecord Alias = new("x7g2@mask.example.com", "john@real.example.org", AliasStatus.Active);
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private readonly MemorySenderRules _rules = new();

    private Task Rule(string pattern, SenderRuleAction action, string? alias = null, bool silent = false) =>
        _rules.SetAsync(new SenderRule(pattern, alias, action, silent, Now, "test"), default);

    private async Task<ModerationVerdict> DecideAsync(string sender, AliasRecord? alias = null, bool firstContact = false) =>
        (await new ModerationPolicy(_rules, Options.Create(new ModerationOptions { FirstContact = firstContact })).DecideAsync(alias ?? Alias, [sender], default)).Verdict;

    [Fact]
    public async Task Without_rules_mail_is_forwarded_and_a_held_alias_holds_it()
    {
        Assert.Equal(ModerationVerdict.Forward, await DecideAsync("a@shop.example"));
        Assert.Equal(ModerationVerdict.Hold, await DecideAsync("a@shop.example", Alias with { Status = AliasStatus.Held }));
    }

    [Fact]
    public async Task Block_refuses_or_drops_and_beats_an_alias_hold()
    {
        await Rule("@spam.example", SenderRuleAction.Block);
        await Rule("quiet@shop.example", SenderRuleAction.Block, silent: true);
        Assert.Equal(ModerationVerdict.Block, await DecideAsync("x@spam.example", Alias with { Status = AliasStatus.Held }));
        Assert.Equal(ModerationVerdict.Drop, await DecideAsync("quiet@shop.example"));
        Assert.Equal(ModerationVerdict.Forward, await DecideAsync("loud@shop.example"));
    }

    [Fact]
    public async Task The_most_specific_rule_wins_so_allow_overrides_a_domain_or_global_hold()
    {
        await Rule("@shop.example", SenderRuleAction.Hold);
        await Rule("boss@shop.example", SenderRuleAction.Allow);
        await Rule("x@other.example", SenderRuleAction.Hold);
        await Rule("x@other.example", SenderRuleAction.Allow, Alias.Address);
        Assert.Equal(ModerationVerdict.Hold, await DecideAsync("clerk@shop.example"));
        Assert.Equal(ModerationVerdict.Forward, await DecideAsync("boss@shop.example"));
        Assert.Equal(ModerationVerdict.Forward, await DecideAsync("x@other.example"));
        Assert.Equal(ModerationVerdict.Hold, await DecideAsync("x@other.example", Alias with { Address = "other@mask.example.com" }));
    }

    [Fact]
    public async Task First_contact_holds_unknown_senders_until_remembered_or_allowed()
    {
        Assert.Equal(ModerationVerdict.Hold, await DecideAsync("new@shop.example", firstContact: true));
        await _rules.RememberAsync([(Alias.Address, "new@shop.example")], default);
        Assert.Equal(ModerationVerdict.Forward, await DecideAsync("new@shop.example", firstContact: true));

        await Rule("friend@shop.example", SenderRuleAction.Allow);
        Assert.Equal(ModerationVerdict.Forward, await DecideAsync("friend@shop.example", firstContact: true));

        // Per alias, the stored setting beats the configured default.
        await _rules.SetFirstContactAsync(Alias.Address, false, default);
        Assert.Equal(ModerationVerdict.Forward, await DecideAsync("stranger@shop.example", firstContact: true));
        await _rules.SetFirstContactAsync(null, true, default);
        Assert.Equal(ModerationVerdict.Hold, await DecideAsync("stranger@shop.example", Alias with { Address = "b@mask.example.com" }));
    }

    [Fact]
    public void Patterns_are_normalised_and_bad_ones_name_the_input()
    {
        Assert.Equal("a@shop.example", SenderPattern.Parse(" A@Shop.Example "));
        Assert.Equal("@shop.example", SenderPattern.Parse("@SHOP.example"));
        Assert.Contains("nonsense", Assert.Throws<FormatException>(() => SenderPattern.Parse("nonsense")).Message, StringComparison.Ordinal);
    }
}
