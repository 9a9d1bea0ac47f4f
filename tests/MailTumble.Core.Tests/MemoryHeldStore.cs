using MailTumble.Core.Moderation;

namespace MailTumble.Core.Tests;

/// <summary>Records what the receiver holds; the decision operations are covered by the SQLite contract suite.</summary>
internal sealed class MemoryHeldStore : IHeldStore
{
    public List<HeldMessage> Held { get; } = [];

    public Task HoldAsync(IReadOnlyList<HeldMessage> messages, CancellationToken cancellationToken)
    {
        Held.AddRange(messages);
        return Task.CompletedTask;
    }

    public Task<HeldMessage?> GetAsync(string id, CancellationToken cancellationToken) => Task.FromResult(Held.FirstOrDefault(h => h.Id == id));

    public Task<IReadOnlyList<HeldMessage>> ListAsync(HeldQuery query, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<HeldMessage>>(Held.ToList());

    public Task<long> CountAsync(HeldQuery query, CancellationToken cancellationToken) => Task.FromResult((long)Held.Count);

    public Task<IReadOnlyList<string>> ClaimForApprovalAsync(IReadOnlyCollection<string> ids, HeldDecision decision, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<int> ReleaseClaimsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<int> ReopenStaleClaimsAsync(DateTimeOffset before, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<string>> MarkApprovedAsync(IReadOnlyCollection<string> ids, HeldDecision decision, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<RejectResult> RejectAsync(HeldQuery query, HeldDecision decision, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken) => throw new NotSupportedException();
}
