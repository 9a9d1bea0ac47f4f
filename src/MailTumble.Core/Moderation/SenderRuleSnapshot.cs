namespace MailTumble.Core.Moderation;

/// <summary>
/// All sender rules and first-contact settings, as a store loaded them at one moment; stores keep one in memory
/// because both are few and read for every message.
/// </summary>
/// <param name="Rules">Every rule (an alias of null: a rule for all aliases).</param>
/// <param name="FirstContact">First-contact settings by alias scope (the empty scope: the global one).</param>
/// <param name="LoadedAt">When it was loaded.</param>
public sealed record SenderRuleSnapshot(IReadOnlyList<SenderRule> Rules, IReadOnlyDictionary<string, bool> FirstContact, DateTimeOffset LoadedAt)
{
    /// <summary>The rules for alias scope <paramref name="scope"/> that name one of <paramref name="senders"/> (or their domains).</summary>
    public IReadOnlyList<SenderRule> RulesFor(string scope, IReadOnlyList<string> senders)
    {
        ArgumentNullException.ThrowIfNull(senders);
        var patterns = senders.SelectMany(SenderPattern.Candidates).ToHashSet(StringComparer.Ordinal);
        return Rules.Where(r => (r.Alias is null || r.Alias == scope) && patterns.Contains(r.Pattern)).ToList();
    }

    /// <summary>The first-contact setting for <paramref name="scope"/>: its own, else the global one, else null (the default applies).</summary>
    public bool? FirstContactFor(string scope) =>
        FirstContact.TryGetValue(scope, out var own) ? own
        : FirstContact.TryGetValue(string.Empty, out var global) ? global : null;
}
