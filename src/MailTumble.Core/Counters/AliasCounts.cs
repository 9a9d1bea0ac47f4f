namespace MailTumble.Core.Counters;

/// <summary>What happened to one alias's mail.</summary>
/// <param name="Alias">The alias (lower case).</param>
/// <param name="Forwarded">Forwarded deliveries the provider accepted (one per message and target).</param>
/// <param name="Replied">Replies through its reverse aliases the provider accepted (one per correspondent).</param>
/// <param name="Blocked">Mail refused or dropped by its sender rules (at RCPT or after DATA), and owner replies to a blocked correspondent.</param>
public sealed record AliasCounts(string Alias, long Forwarded = 0, long Replied = 0, long Blocked = 0)
{
    /// <summary>The sum of two counts for the same alias.</summary>
    public AliasCounts Add(AliasCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return this with { Forwarded = Forwarded + other.Forwarded, Replied = Replied + other.Replied, Blocked = Blocked + other.Blocked };
    }
}
