namespace MailTumble.Core.Cluster;

/// <summary>A live node of a <see cref="RateSchedule"/>.</summary>
/// <param name="NodeId">The node.</param>
/// <param name="ActiveFrom">
/// When it starts (started) sending: its first heartbeat plus <see cref="RateSchedule.JoinDelay"/>, stored in the backend
/// so every node switches to the new split at this same instant.
/// </param>
public sealed record ScheduledNode(string NodeId, DateTimeOffset ActiveFrom);
