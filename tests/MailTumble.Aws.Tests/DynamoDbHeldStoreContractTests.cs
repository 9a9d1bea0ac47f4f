using Amazon.S3;
using MailTumble.Aws.Moderation;
using MailTumble.Aws.Queue;
using MailTumble.Core.Moderation;
using MailTumble.Testing.Contracts;
using Microsoft.Extensions.Options;

namespace MailTumble.Aws.Tests;

/// <summary>
/// The held store contract on dynalite (entries in a state table of the test's own) with the stored messages' references
/// in fauxqs's S3 under a prefix of the test's own; plus what two nodes on one table see.
/// </summary>
public sealed class DynamoDbHeldStoreContractTests : HeldStoreContract, IAsyncLifetime
{
    private StateTables? _tables;
    private IAmazonS3? _s3;
    private DeliveryReferences? _references;

    protected override async Task<IHeldStore> CreateAsync(TimeProvider time)
    {
        _tables = new StateTables();
        var options = Fauxqs.Options();
        _s3 = Fauxqs.S3(options);
        await Fauxqs.EnsureBucketAsync(_s3, options.S3BucketName!);
        _references = new DeliveryReferences(_s3, Options.Create(options));
        return Node();
    }

    protected override Task CloseAsync(IHeldStore store) => Task.CompletedTask;

    // DynamoDB has no set-based conditional update, so a bulk reject is one conditional UpdateItem per entry; dynalite
    // on this 2-core machine answers ~0.75 ms each (8.7 s for 10,000 at load 22), too close to 10 s under a CI run's load.
    protected override TimeSpan BulkRejectLimit => TimeSpan.FromSeconds(20);

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_tables is not null)
        {
            await _tables.DisposeAsync();
        }

        _s3?.Dispose();
    }

    [SkippableFact]
    public async Task Two_nodes_deciding_the_same_entries_at_once_never_both_win()
    {
        var entries = Enumerable.Range(0, 200).Select(i => Held($"h{i}", message: $"m{i}")).ToList();
        await Store.HoldAsync(entries, default);
        var other = Node();
        Assert.Equal(200, await other.CountAsync(HeldQuery.All, default));

        var ids = entries.Select(e => e.Id).ToList();
        var decision = new HeldDecision(HeldState.Approved, "tester", null, Time.GetUtcNow());
        var claims = await Task.WhenAll(Store.ClaimForApprovalAsync(ids, decision, default), other.ClaimForApprovalAsync(ids, decision, default));
        var rejects = await other.RejectAsync(HeldQuery.All, decision with { State = HeldState.Rejected }, default);

        Assert.Equal(200, claims[0].Count + claims[1].Count + rejects.Rejected);
        Assert.Empty(claims[0].Intersect(claims[1]));
        Assert.Equal(claims[0].Count + claims[1].Count, (await Store.ListAsync(new HeldQuery(IncludeDecided: true), default)).Count(h => h.State == HeldState.Approving));
    }

    [SkippableFact]
    public async Task An_undecided_entry_keeps_its_stored_message_referenced_past_the_last_queue_ack()
    {
        var held = Held("h1", message: "shared");
        var delivery = held.Item with { Id = "d1" };
        await _references!.AddAsync([delivery], default);
        await Store.HoldAsync([held], default);

        // The queue acks the message's only delivery: the held entry still needs the message.
        Assert.False(await _references.RemoveAsync("shared", "d1", default));
        var rejected = await Node().RejectAsync(HeldQuery.All, new HeldDecision(HeldState.Rejected, "tester", null, Time.GetUtcNow()), default);
        Assert.Equal(["shared"], rejected.ReleasedKeys);
    }

    [SkippableFact]
    public async Task An_approved_entry_hands_its_message_to_the_queued_copy()
    {
        var held = Held("h1", message: "m1");
        await Store.HoldAsync([held], default);
        var decision = new HeldDecision(HeldState.Approved, "tester", "ok", Time.GetUtcNow());
        Assert.Equal(["h1"], await Node().ClaimForApprovalAsync(["h1"], decision, default));

        // Approving queues a copy (with a reference of its own) before marking the entry approved.
        await _references!.AddAsync([held.Item with { Id = "q1" }], default);
        Assert.Equal(["h1"], await Store.MarkApprovedAsync(["h1"], decision, default));
        Assert.True(await _references.RemoveAsync("m1", "q1", default));
        Assert.Equal(HeldState.Approved, (await Node().GetAsync("h1", default))!.State);
    }

    /// <summary>Another node's store on the same table and references.</summary>
    private DynamoDbHeldStore Node() => new(_tables!.Open(), _references!);
}
