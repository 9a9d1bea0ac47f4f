namespace MailTumble.Core.Fairness;

/// <summary>A parsed <c>LaneBy</c> setting.</summary>
/// <param name="By">What the key is made of.</param>
/// <param name="Header">The header's name for <see cref="LaneBy.Header"/>.</param>
public sealed record LaneRule(LaneBy By, string? Header = null);
