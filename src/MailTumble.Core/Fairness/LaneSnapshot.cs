namespace MailTumble.Core.Fairness;

/// <summary>What <see cref="LaneMonitor"/> last saw: the deepest lanes and the lanes under backpressure.</summary>
/// <param name="At">When it was taken.</param>
/// <param name="Rate">The send rate shared out.</param>
/// <param name="Lanes">Lanes holding mail.</param>
/// <param name="DueLanes">Lanes with mail due now.</param>
/// <param name="Deepest">The deepest lanes (<c>MetricLanes</c> of them).</param>
/// <param name="Refused">Lanes whose new mail is refused for now.</param>
public sealed record LaneSnapshot(DateTimeOffset At, double Rate, long Lanes, long DueLanes, IReadOnlyList<LaneView> Deepest, IReadOnlySet<string> Refused)
{
    /// <summary>Nothing known: no lane is refused.</summary>
    public static LaneSnapshot Empty { get; } = new(DateTimeOffset.MinValue, 0, 0, 0, [], new HashSet<string>(StringComparer.Ordinal));
}
