using MailTumble.Core.Feedback;
using MailTumble.Testing;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Sqlite.Tests;

public sealed class SqliteFeedbackStoreTests : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly SqliteWriter _writer;
    private readonly SqliteFeedbackStore _store;

    public SqliteFeedbackStoreTests()
    {
        var database = new SqliteDatabase(Path.Combine(_dir.Path, "feedback.db"));
        _writer = new SqliteWriter(database, 64);
        _store = new SqliteFeedbackStore(database, _writer, _time);
    }

    private StoredFeedback Event(string key, FeedbackType type, BounceType bounce = BounceType.None, string? subType = null) =>
        new(key, "x7g2@mask.example.com", "d1", type, bounce, subType, "john@real.example.org", FeedbackOrigin.Ses, null, _time.GetUtcNow());

    [Fact]
    public async Task An_event_is_stored_once_and_can_be_forgotten_for_a_retry()
    {
        Assert.True(await _store.TryAddEventAsync(Event("ses:fb-1:john", FeedbackType.Complaint), default));
        Assert.False(await _store.TryAddEventAsync(Event("ses:fb-1:john", FeedbackType.Complaint), default));
        await _store.RemoveEventAsync("ses:fb-1:john", default);
        Assert.True(await _store.TryAddEventAsync(Event("ses:fb-1:john", FeedbackType.Complaint), default));

        Assert.True(await _store.TryAddEventAsync(Event("b1", FeedbackType.Bounce, BounceType.Permanent, "NoEmail"), default));
        Assert.True(await _store.TryAddEventAsync(Event("b2", FeedbackType.Bounce, BounceType.Transient, "MailboxFull"), default));
        Assert.True(await _store.TryAddEventAsync(Event("b3", FeedbackType.Bounce, BounceType.Undetermined, "General"), default));
        var summary = await _store.GetSummaryAsync("X7G2@mask.example.com", default);
        Assert.Equal((1, 2, 1, 0), (summary.PermanentBounces, summary.TransientBounces, summary.Complaints, summary.Deliveries));
        Assert.Equal(["General", "MailboxFull", "NoEmail"], summary.BounceSubTypes.Keys);
    }

    [Fact]
    public async Task The_history_lists_events_newest_first_by_alias_and_type()
    {
        Assert.True(await _store.TryAddEventAsync(Event("b1", FeedbackType.Bounce, BounceType.Permanent, "NoEmail"), default));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await _store.TryAddEventAsync(Event("c1", FeedbackType.Complaint) with { Alias = "other@mask.example.com" }, default));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await _store.TryAddEventAsync(Event("d1", FeedbackType.Delivery), default));

        Assert.Equal(["d1", "c1", "b1"], (await _store.ListRecentAsync(null, [], 10, default)).Select(e => e.Key));
        Assert.Equal(["c1", "b1"], (await _store.ListRecentAsync(null, [FeedbackType.Bounce, FeedbackType.Complaint], 10, default)).Select(e => e.Key));
        Assert.Equal(["d1", "b1"], (await _store.ListRecentAsync("X7G2@mask.example.com", [], 10, default)).Select(e => e.Key));
        Assert.Equal(["d1"], (await _store.ListRecentAsync(null, [], 1, default)).Select(e => e.Key));
        var bounce = Assert.Single(await _store.ListRecentAsync(null, [FeedbackType.Bounce], 10, default));
        Assert.Equal(Event("b1", FeedbackType.Bounce, BounceType.Permanent, "NoEmail") with { At = _time.GetUtcNow() - TimeSpan.FromMinutes(2) }, bounce);
    }

    [Fact]
    public async Task Deliveries_are_found_by_id_and_provider_id_and_old_ones_are_pruned()
    {
        await _store.RecordDeliveryAsync(new SentDelivery("old", "a@mask.example.com", "John@real.example.org", "p-1", _time.GetUtcNow()), default);
        var found = await _store.FindDeliveryAsync("old", default);
        Assert.Equal(("a@mask.example.com", "john@real.example.org", "p-1"), (found!.Alias, found.Target, found.ProviderMessageId));
        Assert.Single(await _store.FindByProviderMessageIdAsync("p-1", default));
        Assert.Null(await _store.FindDeliveryAsync("missing", default));

        _time.Advance(TimeSpan.FromDays(31));
        for (var i = 0; i < 1000; i++)
        {
            await _store.RecordDeliveryAsync(new SentDelivery("n" + i, "a@mask.example.com", "john@real.example.org", null, _time.GetUtcNow()), default);
        }

        Assert.Null(await _store.FindDeliveryAsync("old", default));
        Assert.NotNull(await _store.FindDeliveryAsync("n999", default));
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        _dir.Dispose();
    }
}
