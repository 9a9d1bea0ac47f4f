namespace MailTumble.Core.Aliases;

/// <summary>
/// The one resilience policy the host puts around every alias directory driver (<c>MailTumble:Directory:Resilience</c>):
/// a timeout per lookup and a circuit breaker, both answering <c>451</c> at RCPT rather than waiting or dropping mail.
/// The defaults are what the <c>rest</c> driver used before the policy was shared.
/// </summary>
public sealed class DirectoryResilienceOptions
{
    /// <summary>The section the settings are read from.</summary>
    public const string Section = "MailTumble:Directory:Resilience";

    /// <summary>How long one lookup (or domain check) may take before it counts as an outage (451).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Share of failed lookups within <see cref="BreakerSamplingDuration"/> that opens the circuit.</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Lookups needed within the sampling window before the circuit may open.</summary>
    public int BreakerMinimumThroughput { get; set; } = 10;

    /// <summary>The window over which failures are counted.</summary>
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit answers 451 at once before it tries the driver again.</summary>
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The setting each value came from, when not <c>MailTumble:Directory:Resilience:{name}</c> (a driver's older name such
    /// as <c>MailTumble:Directory:Rest:Timeout</c>), so a bad value is reported under the name the operator wrote.
    /// </summary>
    public IDictionary<string, string> Sources { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The setting <paramref name="property"/> was read from.</summary>
    public string SettingName(string property) => Sources.TryGetValue(property, out var source) ? source : $"{Section}:{property}";
}
