using MailTumble.Core.Delivery;

namespace MailTumble.Core.Cluster;

/// <summary>A live node as the rate budget sees it.</summary>
/// <param name="NodeId">The node.</param>
/// <param name="Host">The machine it runs on.</param>
/// <param name="Share">The rate it may use now, recipients per second.</param>
/// <param name="LastHeartbeat">Its last heartbeat (the backend's clock).</param>
/// <param name="Demand">Whether it had work to send at that heartbeat.</param>
/// <param name="Status">Its last published send-out status, if any.</param>
public sealed record ClusterNode(string NodeId, string Host, double Share, DateTimeOffset LastHeartbeat, bool Demand, DeliveryStatus? Status);
