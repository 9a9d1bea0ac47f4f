namespace MailTumble.Core.Fairness;

/// <summary>One lane as fair share sees it now.</summary>
/// <param name="Lane">The lane key.</param>
/// <param name="Depth">Items queued in it (ready, in flight, deferred).</param>
/// <param name="Due">Whether it has mail due now (it competes for the rate).</param>
/// <param name="Weight">Its weight.</param>
/// <param name="Share">Its share of the send rate, in recipients per second (what it gets now, or would get once due).</param>
/// <param name="Drain">Its depth over its share: how long it takes to drain at that share.</param>
/// <param name="Backpressure">Whether new mail for it is refused for now (drain above <c>MaxLaneDrain</c>).</param>
public sealed record LaneView(string Lane, long Depth, bool Due, double Weight, double Share, TimeSpan? Drain, bool Backpressure);
