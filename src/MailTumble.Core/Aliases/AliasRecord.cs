namespace MailTumble.Core.Aliases;

/// <summary>One alias as the directory knows it.</summary>
/// <param name="Address">The alias address (lower case); <c>@domain</c> for a domain's catch-all.</param>
/// <param name="Target">Where mail for the alias is forwarded (the first target when there are several).</param>
/// <param name="Status">Whether mail is forwarded, held or refused.</param>
/// <param name="CountBounce">Permanent bounces recorded (over every target).</param>
/// <param name="CountComplaint">Complaints recorded (over every target).</param>
/// <param name="CountDelivery">Deliveries recorded (over every target).</param>
public sealed record AliasRecord(
    string Address,
    string Target,
    AliasStatus Status,
    int CountBounce = 0,
    int CountComplaint = 0,
    int CountDelivery = 0)
{
    private readonly IReadOnlyList<string>? _targets;

    /// <summary>Every target in order, the first being <see cref="Target"/>.</summary>
    public IReadOnlyList<string> Targets
    {
        get => _targets is { Count: > 0 } ? _targets : [Target];
        init => _targets = value;
    }

    /// <summary>
    /// Targets that bounced too often or complained: mail is no longer sent to them, while the others still get it.
    /// The alias is <see cref="AliasStatus.Dead"/> only when every target is.
    /// </summary>
    public IReadOnlyList<string> DeadTargets { get; init; } = [];

    /// <summary>
    /// The address the mail was sent to, when the entry was found for another (<c>alias+tag@…</c>, or any address of a
    /// domain with a catch-all); null when it is <see cref="Address"/> itself.
    /// </summary>
    public string? Requested { get; init; }

    /// <summary>The sub-address tag the mail was sent with (<c>news</c> in <c>alias+news@…</c>); null when none.</summary>
    public string? Tag { get; init; }

    /// <summary>The operator's note about the alias (never put in mail); null when none.</summary>
    public string? Note { get; init; }

    /// <summary>The name shown with the alias in the <c>From</c> of replies sent from it; null when none.</summary>
    public string? DisplayName { get; init; }

    /// <summary>The address as the mail's sender knows it: <see cref="Requested"/>, else <see cref="Address"/>.</summary>
    public string Visible => Requested ?? Address;

    /// <summary>The targets mail is sent to.</summary>
    public IReadOnlyList<string> LiveTargets =>
        DeadTargets.Count == 0 ? Targets : Targets.Where(t => !DeadTargets.Contains(t, StringComparer.OrdinalIgnoreCase)).ToList();

    /// <inheritdoc />
    public bool Equals(AliasRecord? other) =>
        other is not null
        && Address == other.Address && Target == other.Target && Status == other.Status
        && CountBounce == other.CountBounce && CountComplaint == other.CountComplaint && CountDelivery == other.CountDelivery
        && Targets.SequenceEqual(other.Targets) && DeadTargets.SequenceEqual(other.DeadTargets)
        && Requested == other.Requested && Tag == other.Tag && Note == other.Note && DisplayName == other.DisplayName;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Address, Target, Status, CountBounce, CountComplaint, CountDelivery, Targets.Count);
}
