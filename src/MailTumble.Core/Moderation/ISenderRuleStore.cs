namespace MailTumble.Core.Moderation;

/// <summary>Port: sender rules, first-contact settings and the senders each alias knows.</summary>
public interface ISenderRuleStore
{
    /// <summary>Creates or replaces the rule for (pattern, alias).</summary>
    Task SetAsync(SenderRule rule, CancellationToken cancellationToken);

    /// <summary>Removes the rule for (pattern, alias); false when there was none.</summary>
    Task<bool> RemoveAsync(string pattern, string? alias, CancellationToken cancellationToken);

    /// <summary>Lists rules: all when <paramref name="alias"/> is null, else the global ones and the alias's.</summary>
    Task<IReadOnlyList<SenderRule>> ListAsync(string? alias, CancellationToken cancellationToken);

    /// <summary>Everything the moderation policy needs for one alias and its candidate senders (primary first).</summary>
    Task<SenderFacts> GetFactsAsync(string alias, IReadOnlyList<string> senders, CancellationToken cancellationToken);

    /// <summary>Turns first-contact moderation on or off for an alias (null: the global setting); null <paramref name="enabled"/> unsets it.</summary>
    Task SetFirstContactAsync(string? alias, bool? enabled, CancellationToken cancellationToken);

    /// <summary>Records that each alias has accepted mail from the sender (so first contact is over).</summary>
    Task RememberAsync(IReadOnlyCollection<(string Alias, string Sender)> pairs, CancellationToken cancellationToken);
}
