using MailTumble.Core.Moderation;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Testing.Contracts;

/// <summary>What every <see cref="ISenderRuleStore"/> adapter must do. Subclass once per adapter.</summary>
public abstract class SenderRuleStoreContract : IAsyncLifetime
{
    private const string Alias = "x7g2@mask.example.com";

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    protected ISenderRuleStore Store { get; private set; } = null!;

    /// <summary>Creates the adapter under test over fresh storage (first contact on by default).</summary>
    protected abstract Task<ISenderRuleStore> CreateAsync(TimeProvider time);

    /// <summary>Releases the adapter.</summary>
    protected abstract Task CloseAsync(ISenderRuleStore store);

    public async Task InitializeAsync() => Store = await CreateAsync(Time);

    public Task DisposeAsync() => CloseAsync(Store);

    private SenderRule Rule(string pattern, string? alias, SenderRuleAction action, string? note = null) =>
        new(pattern, alias, action, Silent: false, Time.GetUtcNow(), "tester", note);

    [SkippableFact]
    public async Task Rules_are_set_replaced_listed_by_scope_and_removed()
    {
        await Store.SetAsync(Rule("@Shop.Example", null, SenderRuleAction.Hold), default);
        await Store.SetAsync(Rule("boss@work.example", Alias, SenderRuleAction.Allow, "my boss"), default);
        await Store.SetAsync(Rule("spam@junk.example", "other@mask.example.com", SenderRuleAction.Block), default);
        await Store.SetAsync(Rule("boss@work.example", Alias, SenderRuleAction.Block) with { Silent = true }, default);

        var all = await Store.ListAsync(null, default);
        Assert.Equal(3, all.Count);
        var boss = Assert.Single(all, r => r.Pattern == "boss@work.example");
        Assert.Equal((Alias, SenderRuleAction.Block, true, (string?)null), (boss.Alias, boss.Action, boss.Silent, boss.Note));
        Assert.Contains(all, r => r is { Pattern: "@shop.example", Alias: null, Action: SenderRuleAction.Hold });

        var mine = await Store.ListAsync(Alias, default);
        Assert.Equal(["@shop.example", "boss@work.example"], mine.Select(r => r.Pattern).Order(StringComparer.Ordinal));

        Assert.True(await Store.RemoveAsync("BOSS@work.example", Alias, default));
        Assert.False(await Store.RemoveAsync("boss@work.example", Alias, default));
        Assert.False(await Store.RemoveAsync("@shop.example", Alias, default));
        Assert.Equal(["@shop.example"], (await Store.ListAsync(Alias, default)).Select(r => r.Pattern));
    }

    [SkippableFact]
    public async Task Facts_hold_the_rules_for_the_sender_and_its_domain_from_this_alias_and_the_global_scope()
    {
        await Store.SetAsync(Rule("@shop.example", null, SenderRuleAction.Hold), default);
        await Store.SetAsync(Rule("news@shop.example", Alias, SenderRuleAction.Allow), default);
        await Store.SetAsync(Rule("news@shop.example", "other@mask.example.com", SenderRuleAction.Block), default);
        await Store.SetAsync(Rule("@else.example", null, SenderRuleAction.Block), default);

        var facts = await Store.GetFactsAsync(Alias, ["news@shop.example"], default);
        Assert.Equal(
            [("@shop.example", (string?)null), ("news@shop.example", Alias)],
            facts.Rules.Select(r => (r.Pattern, r.Alias)).OrderBy(r => r.Pattern, StringComparer.Ordinal));
    }

    [SkippableFact]
    public async Task First_contact_is_set_per_alias_or_globally_and_a_remembered_sender_is_known()
    {
        Assert.Null((await Store.GetFactsAsync(Alias, ["a@shop.example"], default)).FirstContact);
        await Store.SetFirstContactAsync(null, false, default);
        Assert.False((await Store.GetFactsAsync(Alias, ["a@shop.example"], default)).FirstContact);
        await Store.SetFirstContactAsync(Alias, true, default);
        Assert.True((await Store.GetFactsAsync(Alias, ["a@shop.example"], default)).FirstContact);
        Assert.False((await Store.GetFactsAsync("other@mask.example.com", ["a@shop.example"], default)).FirstContact);
        await Store.SetFirstContactAsync(null, null, default);
        Assert.Null((await Store.GetFactsAsync("other@mask.example.com", ["a@shop.example"], default)).FirstContact);

        Assert.False((await Store.GetFactsAsync(Alias, ["a@shop.example"], default)).Known);
        await Store.RememberAsync([(Alias, "A@Shop.Example"), (Alias, "a@shop.example")], default);
        Assert.True((await Store.GetFactsAsync(Alias, ["a@shop.example"], default)).Known);
        Assert.False((await Store.GetFactsAsync("other@mask.example.com", ["a@shop.example"], default)).Known);
    }
}
