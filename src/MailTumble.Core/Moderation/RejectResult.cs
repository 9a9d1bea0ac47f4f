namespace MailTumble.Core.Moderation;

/// <summary>The outcome of rejecting held mail.</summary>
/// <param name="Rejected">How many entries were rejected.</param>
/// <param name="ReleasedKeys">Stored messages nothing refers to any more; the caller deletes them.</param>
public sealed record RejectResult(int Rejected, IReadOnlyList<string> ReleasedKeys);
