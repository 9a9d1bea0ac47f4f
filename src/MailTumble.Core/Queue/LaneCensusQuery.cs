namespace MailTumble.Core.Queue;

/// <summary>Which lanes a <see cref="IOutgoingQueue.GetLaneCensusAsync"/> call lists.</summary>
/// <param name="Limit">The most lanes listed by depth (deepest first).</param>
/// <param name="MinDepth">Only lanes at least this deep are listed by depth.</param>
/// <param name="Named">Lanes listed in any case when they hold items (those with a configured weight, for instance).</param>
public sealed record LaneCensusQuery(int Limit, long MinDepth = 1, IReadOnlyCollection<string>? Named = null);
