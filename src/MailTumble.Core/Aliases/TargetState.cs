namespace MailTumble.Core.Aliases;

/// <summary>One target of an alias with several, and the feedback counted for it alone.</summary>
/// <param name="Address">The target address (lower case).</param>
/// <param name="CountBounce">Permanent bounces from this target.</param>
/// <param name="CountComplaint">Complaints from this target.</param>
/// <param name="CountDelivery">Deliveries to this target.</param>
public sealed record TargetState(string Address, int CountBounce = 0, int CountComplaint = 0, int CountDelivery = 0)
{
    /// <summary>Whether mail is no longer sent to this target (a complaint, or more than <paramref name="bounceLimit"/> bounces).</summary>
    public bool IsDead(int bounceLimit) => CountComplaint > 0 || CountBounce > bounceLimit;
}
