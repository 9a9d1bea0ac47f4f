namespace MailTumble.Core.Moderation;

/// <summary>A rule for one sender address or a whole domain, globally or for one alias.</summary>
/// <param name="Pattern">A lower-case address (<c>a@b.example</c>) or a domain (<c>@b.example</c>).</param>
/// <param name="Alias">The alias the rule applies to; null for every alias.</param>
/// <param name="Action">Hold, block or allow.</param>
/// <param name="Silent">For <see cref="SenderRuleAction.Block"/>: accept and drop instead of refusing.</param>
/// <param name="CreatedAt">When the rule was set.</param>
/// <param name="CreatedBy">Who set it.</param>
/// <param name="Note">Why, if given.</param>
public sealed record SenderRule(
    string Pattern,
    string? Alias,
    SenderRuleAction Action,
    bool Silent,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    string? Note = null)
{
    /// <summary>Whether the pattern names a whole domain.</summary>
    public bool IsDomain => Pattern.StartsWith('@');

    /// <summary>Rank for "most specific rule wins": per alias beats global, an address beats a domain.</summary>
    public int Specificity => (Alias is null ? 0 : 2) + (IsDomain ? 0 : 1);

    /// <inheritdoc />
    public override string ToString() =>
        $"{Action.ToString().ToLowerInvariant()}{(Silent ? " (silent)" : string.Empty)} {Pattern}{(Alias is null ? string.Empty : " for " + Alias)}";
}
