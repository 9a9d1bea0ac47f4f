namespace MailTumble.Core.Fairness;

/// <summary>The lanes of the queue, deepest first, with their shares (<c>queue lanes</c>, <c>GET /queue/lanes</c>).</summary>
/// <param name="Available">False when the queue's service keeps lanes itself (SQS) and cannot list them.</param>
/// <param name="Enabled">Whether fair share is on (<c>MailTumble:Fairness:Enabled</c>).</param>
/// <param name="LaneBy">What a lane is.</param>
/// <param name="Rate">The send rate shared out (recipients per second).</param>
/// <param name="Lanes">Lanes holding mail.</param>
/// <param name="DueLanes">Lanes with mail due now.</param>
/// <param name="Rows">The deepest lanes.</param>
public sealed record LaneReport(bool Available, bool Enabled, string LaneBy, double Rate, long Lanes, long DueLanes, IReadOnlyList<LaneRow> Rows);
