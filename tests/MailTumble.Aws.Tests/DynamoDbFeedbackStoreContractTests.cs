using MailTumble.Aws.Feedback;
using MailTumble.Core.Feedback;
using MailTumble.Testing.Contracts;

namespace MailTumble.Aws.Tests;

/// <summary>The feedback store (and history) contract on dynalite, each test in a state table of its own; plus two nodes.</summary>
public sealed class DynamoDbFeedbackStoreContractTests : FeedbackStoreContract, IAsyncLifetime
{
    private StateTables? _tables;

    protected override Task<IFeedbackStore> CreateAsync(TimeProvider time)
    {
        _tables = new StateTables();
        return Task.FromResult<IFeedbackStore>(new DynamoDbFeedbackStore(_tables.Open(), time));
    }

    protected override Task CloseAsync(IFeedbackStore store) => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_tables is not null)
        {
            await _tables.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task A_delivery_recorded_by_one_node_is_found_by_another_and_an_event_counts_once_across_nodes()
    {
        var a = new DynamoDbFeedbackStore(_tables!.Open(), Time);
        var b = new DynamoDbFeedbackStore(_tables.Open(), Time);
        await a.RecordDeliveryAsync(new SentDelivery("d1", "x7g2@mask.example.com", "john@real.example.org", "p-1", Time.GetUtcNow()), default);
        Assert.Equal("d1", (await b.FindDeliveryAsync("d1", default))!.DeliveryId);
        Assert.Equal("d1", Assert.Single(await b.FindByProviderMessageIdAsync("p-1", default)).DeliveryId);

        var complaint = new StoredFeedback("ses:c1:john", "x7g2@mask.example.com", "d1", FeedbackType.Complaint, BounceType.None, null, "john@real.example.org", FeedbackOrigin.Ses, null, Time.GetUtcNow());
        var added = await Task.WhenAll(a.TryAddEventAsync(complaint, default), b.TryAddEventAsync(complaint, default));
        Assert.Single(added, true);
        Assert.Equal(1, (await a.GetSummaryAsync("x7g2@mask.example.com", default)).Complaints);
        Assert.Equal(["ses:c1:john"], (await b.ListRecentAsync(null, [], 10, default)).Select(e => e.Key));
    }
}
