namespace MailTumble.Core.Feedback;

/// <summary>What the event store knows about one alias (beyond the directory's counters).</summary>
/// <param name="PermanentBounces">Permanent bounces recorded.</param>
/// <param name="TransientBounces">Transient and undetermined bounces recorded (never kill an alias).</param>
/// <param name="Complaints">Complaints recorded.</param>
/// <param name="Deliveries">Deliveries recorded.</param>
/// <param name="BounceSubTypes">Bounces per sub-type, e.g. MailboxFull = 2.</param>
public sealed record FeedbackSummary(int PermanentBounces, int TransientBounces, int Complaints, int Deliveries, IReadOnlyDictionary<string, int> BounceSubTypes)
{
    /// <summary>Nothing recorded.</summary>
    public static FeedbackSummary Empty { get; } = new(0, 0, 0, 0, new Dictionary<string, int>());
}
