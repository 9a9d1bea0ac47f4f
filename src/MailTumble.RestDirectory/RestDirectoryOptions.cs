using MailTumble.Core.Aliases;
using System.ComponentModel.DataAnnotations;

namespace MailTumble.RestDirectory;

/// <summary>The <c>rest</c> alias directory (<c>MailTumble:Directory:Rest</c>; the seed's <c>API_URL</c> and <c>API_TOKEN</c>).</summary>
public sealed class RestDirectoryOptions
{
    /// <summary>Base URL; lookups go to <c>{Url}/aliases/{address}</c>.</summary>
    [Required(ErrorMessage = "API_URL (MailTumble:Directory:Rest:Url) is required for the rest directory driver")]
    public string? Url { get; set; }

    /// <summary>Sent as <c>Authorization: Bearer {Token}</c> when set.</summary>
    public string? Token { get; set; }

    /// <summary>How long one lookup may take before it counts as an outage (451).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Share of failed lookups within <see cref="BreakerSamplingDuration"/> that opens the circuit.</summary>
    [Range(0.01, 1.0)]
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Lookups needed within the sampling window before the circuit may open.</summary>
    [Range(2, 10_000)]
    public int BreakerMinimumThroughput { get; set; } = 10;

    /// <summary>The window over which failures are counted.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit answers 451 at once before it tries the API again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// More permanent bounces than this mean dead. The host sets it from <c>MailTumble:Feedback:MaxBounces</c>
    /// (default 3, the original system's rule), so every driver applies the same limit.
    /// </summary>
    [Range(0, 1000)]
    public int BounceLimit { get; set; } = AliasRules.BounceLimit;
}
