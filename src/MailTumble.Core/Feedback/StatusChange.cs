using MailTumble.Core.Aliases;

namespace MailTumble.Core.Feedback;

/// <summary>An alias whose status feedback changed.</summary>
/// <param name="Alias">The alias address.</param>
/// <param name="Target">Its target.</param>
/// <param name="Status">The new status.</param>
/// <param name="CountBounce">Permanent bounces now.</param>
/// <param name="CountComplaint">Complaints now.</param>
/// <param name="CountDelivery">Deliveries now.</param>
public sealed record StatusChange(string Alias, string Target, AliasStatus Status, int CountBounce, int CountComplaint, int CountDelivery);
