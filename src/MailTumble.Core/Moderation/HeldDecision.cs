namespace MailTumble.Core.Moderation;

/// <summary>An operator's (or the expiry sweeper's) decision on held mail.</summary>
/// <param name="State">Approved or rejected.</param>
/// <param name="By">Who or what decided, e.g. <c>cli:alice</c>, <c>api</c>, <c>expiry</c>.</param>
/// <param name="Reason">Why, if given.</param>
/// <param name="At">When.</param>
public sealed record HeldDecision(HeldState State, string By, string? Reason, DateTimeOffset At);
