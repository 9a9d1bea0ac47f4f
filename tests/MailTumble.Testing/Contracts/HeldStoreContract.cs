using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Testing.Contracts;

/// <summary>What every <see cref="IHeldStore"/> adapter must do. Subclass once per adapter.</summary>
public abstract class HeldStoreContract : IAsyncLifetime
{
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    protected IHeldStore Store { get; private set; } = null!;

    /// <summary>Creates the adapter under test over fresh storage.</summary>
    protected abstract Task<IHeldStore> CreateAsync(TimeProvider time);

    /// <summary>Releases the adapter.</summary>
    protected abstract Task CloseAsync(IHeldStore store);

    /// <summary>How long the 10,000-entry bulk reject may take on this adapter's test backend.</summary>
    protected virtual TimeSpan BulkRejectLimit => TimeSpan.FromSeconds(10);

    public async Task InitializeAsync() => Store = await CreateAsync(Time);

    public Task DisposeAsync() => CloseAsync(Store);

    protected HeldMessage Held(string id, string alias = "x7g2@mask.example.com", string sender = "a@shop.example", string message = "m1") => new(
        new OutgoingItem(id, message, alias, "john@real.example.org", "bounces+t@mask.example.com", "From: x\r\nSubject: hi\r\n"u8.ToArray(), 42, Time.GetUtcNow(), Time.GetUtcNow() + TimeSpan.FromDays(5)),
        sender,
        "env@shop.example",
        "hi",
        1234,
        "alias held",
        Time.GetUtcNow());

    private HeldDecision Decision(HeldState state) => new(state, "tester", "because", Time.GetUtcNow());

    [Fact]
    public async Task Held_entries_keep_the_item_unchanged_and_holding_twice_is_a_no_op()
    {
        var held = Held("h1");
        await Store.HoldAsync([held], default);
        await Store.HoldAsync([held with { Reason = "again" }], default);

        var got = Assert.Single(await Store.ListAsync(HeldQuery.All, default));
        Assert.Equal(("h1", "m1", "x7g2@mask.example.com", "a@shop.example", "env@shop.example", "hi", 1234L, "alias held"), (got.Id, got.Item.MessageKey, got.Item.Alias, got.Sender, got.EnvelopeSender, got.Subject, got.Size, got.Reason));
        Assert.Equal(held.Item.Headers.ToArray(), got.Item.Headers.ToArray());
        Assert.Equal((42L, held.Item.EnvelopeFrom, held.Item.ExpiresAt), (got.Item.BodyOffset, got.Item.EnvelopeFrom, got.Item.ExpiresAt));
        Assert.Equal(HeldState.Held, got.State);
        Assert.Null(await Store.GetAsync("missing", default));
    }

    [Fact]
    public async Task Held_entries_keep_the_fair_share_lane_and_bulk_class()
    {
        var held = Held("h1");
        await Store.HoldAsync([held with { Item = held.Item with { Lane = "shop.example", Bulk = true } }, Held("h2")], default);

        var got = await Store.ListAsync(HeldQuery.All, default);
        Assert.Equal(("shop.example", true), (got.Single(h => h.Id == "h1").Item.Lane, got.Single(h => h.Id == "h1").Item.Bulk));
        Assert.Equal((string.Empty, false), (got.Single(h => h.Id == "h2").Item.Lane, got.Single(h => h.Id == "h2").Item.Bulk));
    }

    [Fact]
    public async Task Queries_filter_by_alias_sender_domain_age_and_id()
    {
        await Store.HoldAsync([Held("h1", alias: "a@mask.example.com", sender: "x@shop.example")], default);
        Time.Advance(TimeSpan.FromHours(1));
        await Store.HoldAsync([Held("h2", alias: "b@mask.example.com", sender: "y@shop.example"), Held("h3", alias: "b@mask.example.com", sender: "z@other.example")], default);

        async Task<string[]> Ids(HeldQuery q) => (await Store.ListAsync(q, default)).Select(h => h.Id).Order().ToArray();
        Assert.Equal(["h1", "h2", "h3"], await Ids(HeldQuery.All));
        Assert.Equal(["h2", "h3"], await Ids(new HeldQuery(Alias: "B@mask.example.com")));
        Assert.Equal(["h1"], await Ids(new HeldQuery(Sender: "x@shop.example")));
        Assert.Equal(["h1", "h2", "h3"], await Ids(new HeldQuery(Sender: "env@shop.example")));
        Assert.Equal(["h3"], await Ids(new HeldQuery(Sender: "@other.example")));
        Assert.Empty(await Ids(new HeldQuery(Sender: "@hop.example")));
        Assert.Equal(["h1"], await Ids(new HeldQuery(HeldBefore: Time.GetUtcNow() - TimeSpan.FromMinutes(30))));
        Assert.Equal(["h1", "h3"], await Ids(new HeldQuery(Ids: ["h1", "h3", "nope"])));
        Assert.Equal(2, await Store.CountAsync(new HeldQuery(Alias: "b@mask.example.com"), default));
        Assert.Single(await Store.ListAsync(new HeldQuery(Limit: 1), default));
    }

    [Fact]
    public async Task Approving_marks_only_undecided_entries_once_and_records_the_decision()
    {
        await Store.HoldAsync([Held("h1"), Held("h2")], default);
        Assert.Empty(await Store.MarkApprovedAsync(["h1"], Decision(HeldState.Approved), default)); // not claimed
        Assert.Equal(["h1"], await Store.ClaimForApprovalAsync(["h1"], Decision(HeldState.Approved), default));
        Assert.Empty(await Store.ClaimForApprovalAsync(["h1"], Decision(HeldState.Approved), default));
        Assert.Equal(["h1"], await Store.MarkApprovedAsync(["h1"], Decision(HeldState.Approved), default));
        Assert.Empty(await Store.MarkApprovedAsync(["h1"], Decision(HeldState.Approved), default));

        Assert.Equal(["h2"], (await Store.ListAsync(HeldQuery.All, default)).Select(h => h.Id));
        var decided = (await Store.GetAsync("h1", default))!;
        Assert.Equal(HeldState.Approved, decided.State);
        Assert.Equal(("tester", "because", Time.GetUtcNow()), (decided.Decision!.By, decided.Decision.Reason, decided.Decision.At));
        Assert.Equal(2, (await Store.ListAsync(new HeldQuery(IncludeDecided: true), default)).Count);
    }

    [Fact]
    public async Task A_claimed_entry_cannot_be_rejected_and_a_rejected_one_cannot_be_claimed()
    {
        await Store.HoldAsync([Held("h1", message: "m1"), Held("h2", message: "m2")], default);
        Assert.Equal(["h1"], await Store.ClaimForApprovalAsync(["h1"], Decision(HeldState.Approved), default));
        Assert.Equal(HeldState.Approving, (await Store.GetAsync("h1", default))!.State);
        Assert.DoesNotContain("h1", (await Store.ListAsync(HeldQuery.All, default)).Select(h => h.Id));

        var rejected = await Store.RejectAsync(HeldQuery.All, Decision(HeldState.Rejected), default);
        Assert.Equal(1, rejected.Rejected); // h2 only
        Assert.Equal(["m2"], rejected.ReleasedKeys); // m1 is still needed by the claim
        Assert.Empty(await Store.ClaimForApprovalAsync(["h2"], Decision(HeldState.Approved), default));
        Assert.Equal(HeldState.Approving, (await Store.GetAsync("h1", default))!.State);

        // A failed enqueue hands the claim back; a claim left by a stopped process is reopened once stale.
        Assert.Equal(1, await Store.ReleaseClaimsAsync(["h1"], default));
        Assert.Equal(HeldState.Held, (await Store.GetAsync("h1", default))!.State);
        Assert.Equal(["h1"], await Store.ClaimForApprovalAsync(["h1"], Decision(HeldState.Approved), default));
        Assert.Equal(0, await Store.ReopenStaleClaimsAsync(Time.GetUtcNow() - TimeSpan.FromMinutes(10), default));
        Time.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(1, await Store.ReopenStaleClaimsAsync(Time.GetUtcNow() - TimeSpan.FromMinutes(10), default));
        Assert.Equal(["h1"], (await Store.ListAsync(HeldQuery.All, default)).Select(h => h.Id));
    }

    [Fact]
    public async Task Rejecting_releases_a_stored_message_only_when_no_held_entry_still_needs_it()
    {
        await Store.HoldAsync([Held("h1", alias: "a@mask.example.com", message: "shared"), Held("h2", alias: "b@mask.example.com", message: "shared"), Held("h3", alias: "a@mask.example.com", message: "own")], default);

        var first = await Store.RejectAsync(new HeldQuery(Alias: "a@mask.example.com"), Decision(HeldState.Rejected), default);
        Assert.Equal(2, first.Rejected);
        Assert.Equal(["own"], first.ReleasedKeys);

        var second = await Store.RejectAsync(HeldQuery.All, Decision(HeldState.Rejected), default);
        Assert.Equal(1, second.Rejected);
        Assert.Equal(["shared"], second.ReleasedKeys);
        Assert.Equal(HeldState.Rejected, (await Store.GetAsync("h2", default))!.State);
        Assert.Equal(0, (await Store.RejectAsync(HeldQuery.All, Decision(HeldState.Rejected), default)).Rejected);
        Assert.Empty(await Store.MarkApprovedAsync(["h1"], Decision(HeldState.Approved), default));
    }

    [Fact]
    public async Task Prune_forgets_old_decisions_but_never_undecided_entries()
    {
        await Store.HoldAsync([Held("h1"), Held("h2")], default);
        await Store.RejectAsync(new HeldQuery(Ids: ["h1"]), Decision(HeldState.Rejected), default);
        Time.Advance(TimeSpan.FromDays(31));
        Assert.Equal(1, await Store.PruneAsync(Time.GetUtcNow() - TimeSpan.FromDays(30), default));
        Assert.Null(await Store.GetAsync("h1", default));
        Assert.NotNull(await Store.GetAsync("h2", default));
    }

    [Fact]
    public async Task Bulk_reject_of_10000_entries_is_one_quick_step()
    {
        var entries = Enumerable.Range(0, 10_000).Select(i => Held($"h{i}", message: $"m{i}")).ToList();
        await Store.HoldAsync(entries, default);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = await Store.RejectAsync(new HeldQuery(Alias: "x7g2@mask.example.com"), Decision(HeldState.Rejected), default);
        watch.Stop();
        Assert.Equal((10_000, 10_000), (result.Rejected, result.ReleasedKeys.Count));
        Assert.True(watch.Elapsed < BulkRejectLimit, $"bulk reject took {watch.Elapsed} (limit {BulkRejectLimit})");
    }
}
