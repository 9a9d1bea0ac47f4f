namespace MailTumble.Core.Fairness;

/// <summary>One lane in <c>queue lanes</c> and <c>GET /queue/lanes</c>.</summary>
/// <param name="Lane">The lane key (empty for mail queued before lanes existed).</param>
/// <param name="Depth">Deliveries queued.</param>
/// <param name="Ready">Due now and not leased.</param>
/// <param name="InFlight">Leased by a worker.</param>
/// <param name="Deferred">Waiting for a retry time.</param>
/// <param name="Bulk">Bulk mail among them.</param>
/// <param name="Weight">The lane's weight.</param>
/// <param name="Share">Its share of the send rate (recipients per second).</param>
/// <param name="Drain">How long it takes to drain at that share.</param>
/// <param name="OldestAge">Age of its oldest queued delivery.</param>
/// <param name="Backpressure">Whether its new mail is refused for now.</param>
public sealed record LaneRow(
    string Lane,
    long Depth,
    long Ready,
    long InFlight,
    long Deferred,
    long Bulk,
    double Weight,
    double Share,
    TimeSpan? Drain,
    TimeSpan? OldestAge,
    bool Backpressure);
