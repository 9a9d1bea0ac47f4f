namespace MailTumble.Core.Queue;

/// <summary>Lane totals and the lanes a <see cref="LaneCensusQuery"/> asked for, from counters the queue maintains.</summary>
/// <param name="Lanes">Lanes holding at least one item.</param>
/// <param name="DueLanes">Lanes holding at least one due item.</param>
/// <param name="Entries">The lanes asked for: deepest first, then the named ones not already listed.</param>
public sealed record LaneCensus(long Lanes, long DueLanes, IReadOnlyList<LaneDepth> Entries);
