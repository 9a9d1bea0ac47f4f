using MailTumble.Core.Queue;

namespace MailTumble.Core.Fairness;

/// <summary>
/// Each lane's share of the send rate under the round robin: its weight over the weights of all due lanes (itself
/// counted as due), so two busy lanes get half each and a lane alone gets it all. Pure arithmetic on a census.
/// </summary>
public sealed class LaneShares
{
    private readonly FairnessOptions _options;

    /// <summary>Shares for a census taken with <see cref="Query"/> (or one listing at least the weighted lanes).</summary>
    public LaneShares(FairnessOptions options, double rate, LaneCensus census)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(census);
        _options = options;
        Rate = rate;

        // Every due lane weighs 1 unless configured otherwise; the census lists the configured ones that hold mail.
        DueWeight = census.DueLanes + census.Entries
            .Where(e => e.Due)
            .DistinctBy(e => e.Lane)
            .Sum(e => options.Weight(e.Lane) - 1);
    }

    /// <summary>The total rate shared out (recipients per second).</summary>
    public double Rate { get; }

    /// <summary>The weights of every due lane added up.</summary>
    public double DueWeight { get; }

    /// <summary>A census query for the <paramref name="limit"/> deepest lanes, at least <paramref name="minDepth"/> deep, and every weighted lane.</summary>
    public static LaneCensusQuery Query(FairnessOptions options, int limit, long minDepth = 1)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new LaneCensusQuery(limit, minDepth, [.. options.Weights.Keys.Select(LaneKeys.Clean)]);
    }

    /// <summary>The share of one lane, in recipients per second.</summary>
    public double Share(string lane, bool due)
    {
        var weight = _options.Weight(lane);
        var total = DueWeight + (due ? 0 : weight);
        return total <= 0 ? Rate : Rate * weight / total;
    }

    /// <summary>How deep a lane must be before any lane can be over <see cref="FairnessOptions.MaxLaneDrain"/>: the smallest share any lane can have times the limit.</summary>
    public long BackpressureThreshold()
    {
        var weights = _options.Weights.Values.Append(1.0).ToList();
        var smallest = Rate * weights.Min() / (DueWeight + weights.Max());
        return (long)Math.Max(1, Math.Floor(_options.MaxLaneDrain.TotalSeconds * smallest));
    }

    /// <summary>The lane as seen now.</summary>
    public LaneView View(LaneDepth lane)
    {
        ArgumentNullException.ThrowIfNull(lane);
        var share = Share(lane.Lane, lane.Due);
        TimeSpan? drain = share > 0 ? TimeSpan.FromSeconds(Math.Min(lane.Depth / share, TimeSpan.MaxValue.TotalSeconds / 2)) : null;
        var over = _options.Enabled && _options.MaxLaneDrain > TimeSpan.Zero && drain > _options.MaxLaneDrain;
        return new LaneView(lane.Lane, lane.Depth, lane.Due, _options.Weight(lane.Lane), share, drain, over);
    }
}
