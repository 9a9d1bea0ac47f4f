namespace MailTumble.Core.Directory;

/// <summary>One alias as the directory knows it.</summary>
/// <param name="Address">The alias address (lower case).</param>
/// <param name="Target">Where mail for the alias is forwarded.</param>
/// <param name="Status">Whether mail is forwarded, held or refused.</param>
/// <param name="CountBounce">Permanent bounces recorded.</param>
/// <param name="CountComplaint">Complaints recorded.</param>
/// <param name="CountDelivery">Deliveries recorded.</param>
public sealed record AliasRecord(
    string Address,
    string Target,
    AliasStatus Status,
    int CountBounce = 0,
    int CountComplaint = 0,
    int CountDelivery = 0);
