namespace MailTumble.Core.Counters;

/// <summary>Port: where per-alias counters are kept durably. Written in batches by <see cref="AliasCounters"/>.</summary>
public interface IAliasCounterStore
{
    /// <summary>Adds each delta to its alias's stored counts, all in one write.</summary>
    Task AddAsync(IReadOnlyCollection<AliasCounts> deltas, CancellationToken cancellationToken);

    /// <summary>The stored counts of one alias; zeros when nothing was counted.</summary>
    Task<AliasCounts> GetAsync(string alias, CancellationToken cancellationToken);
}
