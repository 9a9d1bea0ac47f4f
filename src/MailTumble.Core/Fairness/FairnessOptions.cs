using System.ComponentModel.DataAnnotations;

namespace MailTumble.Core.Fairness;

/// <summary>Fair share between senders (<c>MailTumble:Fairness</c>).</summary>
public sealed class FairnessOptions
{
    /// <summary>Serve lanes by deficit round robin; false keeps first in, first out over the whole queue.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>What a lane is: <c>sender-domain</c>, <c>alias</c>, <c>target</c> or <c>header:NAME</c>.</summary>
    public string LaneBy { get; set; } = LaneKeys.SenderDomain;

    /// <summary>Weights by lane key (default 1): a lane of weight 2 gets twice the share of a lane of weight 1.</summary>
    public IDictionary<string, double> Weights { get; } = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);

    /// <summary>New mail for a lane whose projected time to drain is above this gets a temporary refusal; zero turns it off.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00", ErrorMessage = "MailTumble:Fairness:MaxLaneDrain must be between {1} and {2} (0 turns backpressure off)")]
    public TimeSpan MaxLaneDrain { get; set; } = TimeSpan.FromHours(12);

    /// <summary>How many lanes (the deepest) get their own metrics series.</summary>
    [Range(0, 1000, ErrorMessage = "MailTumble:Fairness:MetricLanes must be between {1} and {2}")]
    public int MetricLanes { get; set; } = 10;

    /// <summary>The weight of a lane.</summary>
    public double Weight(string lane) => Weights.TryGetValue(lane, out var weight) ? weight : 1;
}
