using MailTumble.Core.Feedback;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Testing.Contracts;

/// <summary>What every <see cref="IFeedbackStore"/> (and <see cref="IFeedbackHistory"/>) adapter must do. Subclass once per adapter.</summary>
public abstract class FeedbackStoreContract : IAsyncLifetime
{
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    private IFeedbackStore Store { get; set; } = null!;

    private IFeedbackHistory History => (IFeedbackHistory)Store;

    /// <summary>Creates the adapter under test over fresh storage (it must also be the <see cref="IFeedbackHistory"/>).</summary>
    protected abstract Task<IFeedbackStore> CreateAsync(TimeProvider time);

    /// <summary>Releases the adapter.</summary>
    protected abstract Task CloseAsync(IFeedbackStore store);

    public async Task InitializeAsync() => Store = await CreateAsync(Time);

    public Task DisposeAsync() => CloseAsync(Store);

    private StoredFeedback Event(string key, FeedbackType type, BounceType bounce = BounceType.None, string? subType = null) =>
        new(key, "x7g2@mask.example.com", "d1", type, bounce, subType, "john@real.example.org", FeedbackOrigin.Ses, null, Time.GetUtcNow());

    [SkippableFact]
    public async Task An_event_is_stored_once_and_can_be_forgotten_for_a_retry()
    {
        Assert.True(await Store.TryAddEventAsync(Event("ses:fb-1:john", FeedbackType.Complaint), default));
        Assert.False(await Store.TryAddEventAsync(Event("ses:fb-1:john", FeedbackType.Complaint), default));
        await Store.RemoveEventAsync("ses:fb-1:john", default);
        Assert.True(await Store.TryAddEventAsync(Event("ses:fb-1:john", FeedbackType.Complaint), default));

        Assert.True(await Store.TryAddEventAsync(Event("b1", FeedbackType.Bounce, BounceType.Permanent, "NoEmail"), default));
        Assert.True(await Store.TryAddEventAsync(Event("b2", FeedbackType.Bounce, BounceType.Transient, "MailboxFull"), default));
        Assert.True(await Store.TryAddEventAsync(Event("b3", FeedbackType.Bounce, BounceType.Undetermined, "General"), default));
        var summary = await Store.GetSummaryAsync("X7G2@mask.example.com", default);
        Assert.Equal((1, 2, 1, 0), (summary.PermanentBounces, summary.TransientBounces, summary.Complaints, summary.Deliveries));
        Assert.Equal(["General", "MailboxFull", "NoEmail"], summary.BounceSubTypes.Keys);
    }

    [SkippableFact]
    public async Task The_history_lists_events_newest_first_by_alias_and_type()
    {
        Assert.True(await Store.TryAddEventAsync(Event("b1", FeedbackType.Bounce, BounceType.Permanent, "NoEmail"), default));
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await Store.TryAddEventAsync(Event("c1", FeedbackType.Complaint) with { Alias = "other@mask.example.com" }, default));
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await Store.TryAddEventAsync(Event("d1", FeedbackType.Delivery), default));

        Assert.Equal(["d1", "c1", "b1"], (await History.ListRecentAsync(null, [], 10, default)).Select(e => e.Key));
        Assert.Equal(["c1", "b1"], (await History.ListRecentAsync(null, [FeedbackType.Bounce, FeedbackType.Complaint], 10, default)).Select(e => e.Key));
        Assert.Equal(["d1", "b1"], (await History.ListRecentAsync("X7G2@mask.example.com", [], 10, default)).Select(e => e.Key));
        Assert.Equal(["d1"], (await History.ListRecentAsync(null, [], 1, default)).Select(e => e.Key));
        var bounce = Assert.Single(await History.ListRecentAsync(null, [FeedbackType.Bounce], 10, default));
        Assert.Equal(Event("b1", FeedbackType.Bounce, BounceType.Permanent, "NoEmail") with { At = Time.GetUtcNow() - TimeSpan.FromMinutes(2) }, bounce);
    }

    [SkippableFact]
    public async Task Deliveries_are_found_by_id_and_provider_id_and_old_ones_are_pruned()
    {
        await Store.RecordDeliveryAsync(new SentDelivery("old", "a@mask.example.com", "John@real.example.org", "p-1", Time.GetUtcNow()), default);
        var found = await Store.FindDeliveryAsync("old", default);
        Assert.Equal(("a@mask.example.com", "john@real.example.org", "p-1"), (found!.Alias, found.Target, found.ProviderMessageId));
        Assert.Single(await Store.FindByProviderMessageIdAsync("p-1", default));
        Assert.Null(await Store.FindDeliveryAsync("missing", default));

        Time.Advance(TimeSpan.FromDays(31));
        for (var i = 0; i < 1000; i++)
        {
            await Store.RecordDeliveryAsync(new SentDelivery("n" + i, "a@mask.example.com", "john@real.example.org", null, Time.GetUtcNow()), default);
        }

        Assert.Null(await Store.FindDeliveryAsync("old", default));
        Assert.NotNull(await Store.FindDeliveryAsync("n999", default));
    }
}
