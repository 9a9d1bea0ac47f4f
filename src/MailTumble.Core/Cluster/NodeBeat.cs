using MailTumble.Core.Delivery;

namespace MailTumble.Core.Cluster;

/// <summary>One heartbeat of a node's send-out stage.</summary>
/// <param name="NodeId">The node (<see cref="NodeIdentity.Id"/>).</param>
/// <param name="Host">The machine it runs on, for operators.</param>
/// <param name="Demand">Whether it has work to send (a node without work needs no share).</param>
/// <param name="Status">Its send-out status, so <c>queue stats</c> on any node can show the cluster's.</param>
public sealed record NodeBeat(string NodeId, string Host, bool Demand, DeliveryStatus Status);
