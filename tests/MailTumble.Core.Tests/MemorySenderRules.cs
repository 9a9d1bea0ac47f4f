using MailTumble.Core.Moderation;

namespace MailTumble.Core.Tests;

/// <summary>An in-memory <see cref="ISenderRuleStore"/> for policy and receiver tests.</summary>
internal sealed class MemorySenderRules : ISenderRuleStore
{
    private readonly List<SenderRule> _rules = [];
    private readonly Dictionary<string, bool> _firstContact = new(StringComparer.Ordinal);
    private readonly HashSet<(string, string)> _known = [];

    public Task SetAsync(SenderRule rule, CancellationToken cancellationToken)
    {
        _rules.RemoveAll(r => r.Pattern == rule.Pattern && r.Alias == rule.Alias);
        _rules.Add(rule with { Pattern = SenderPattern.Parse(rule.Pattern) });
        return Task.CompletedTask;
    }

    public Task<bool> RemoveAsync(string pattern, string? alias, CancellationToken cancellationToken) =>
        Task.FromResult(_rules.RemoveAll(r => r.Pattern == SenderPattern.Parse(pattern) && r.Alias == alias) > 0);

    public Task<IReadOnlyList<SenderRule>> ListAsync(string? alias, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SenderRule>>(_rules.Where(r => alias is null || r.Alias is null || r.Alias == alias).ToList());

    public Task<SenderFacts> GetFactsAsync(string alias, IReadOnlyList<string> senders, CancellationToken cancellationToken)
    {
        var patterns = senders.SelectMany(SenderPattern.Candidates).ToHashSet(StringComparer.Ordinal);
        var rules = _rules.Where(r => (r.Alias is null || r.Alias == alias) && patterns.Contains(r.Pattern)).ToList();
        bool? first = _firstContact.TryGetValue(alias, out var a) ? a : _firstContact.TryGetValue(string.Empty, out var g) ? g : null;
        return Task.FromResult(new SenderFacts(rules, first, senders.Count > 0 && _known.Contains((alias, senders[0]))));
    }

    public Task SetFirstContactAsync(string? alias, bool? enabled, CancellationToken cancellationToken)
    {
        if (enabled is null)
        {
            _firstContact.Remove(alias ?? string.Empty);
        }
        else
        {
            _firstContact[alias ?? string.Empty] = enabled.Value;
        }

        return Task.CompletedTask;
    }

    public Task RememberAsync(IReadOnlyCollection<(string Alias, string Sender)> pairs, CancellationToken cancellationToken)
    {
        foreach (var pair in pairs)
        {
            _known.Add(pair);
        }

        return Task.CompletedTask;
    }
}
