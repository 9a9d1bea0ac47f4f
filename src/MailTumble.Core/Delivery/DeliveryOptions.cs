using System.ComponentModel.DataAnnotations;

namespace MailTumble.Core.Delivery;

/// <summary>Send-out settings (<c>MailTumble:Outbound</c>; <c>MAXIMUM_SEND_RATE</c> maps to <see cref="MaxSendRate"/>).</summary>
public sealed class DeliveryOptions
{
    /// <summary>Whether this process runs the send-out stage.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The provider's maximum send rate, in recipients per second.</summary>
    [Range(0.01, 100_000, ErrorMessage = "MailTumble:Outbound:MaxSendRate (MAXIMUM_SEND_RATE) must be between {1} and {2}")]
    public double MaxSendRate { get; set; } = 14;

    /// <summary>
    /// Formerly the number of <c>serve</c> processes sharing the AWS family's send-out (a static split). Every family
    /// now shares the rate through its backend (<c>IRateBudget</c>), so this is accepted and ignored (with a warning).
    /// </summary>
    [Range(1, 1000, ErrorMessage = "MailTumble:Outbound:Workers must be between {1} and {2}")]
    public int Workers { get; set; } = 1;

    /// <summary>The most send workers (and outbound connections) at once.</summary>
    [Range(1, 512, ErrorMessage = "MailTumble:Outbound:MaxConcurrency must be between {1} and {2}")]
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>How long a worker may hold leased items before they are handed to another.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00", ErrorMessage = "MailTumble:Outbound:LeaseTime must be between {1} and {2}")]
    public TimeSpan LeaseTime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>First retry delay after a temporary failure; doubles each attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00", ErrorMessage = "MailTumble:Outbound:RetryInitial must be between {1} and {2}")]
    public TimeSpan RetryInitial { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Longest retry delay.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "7.00:00:00", ErrorMessage = "MailTumble:Outbound:RetryMax must be between {1} and {2}")]
    public TimeSpan RetryMax { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Retry delay after a throttling reply (the rate is cut too).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00", ErrorMessage = "MailTumble:Outbound:ThrottleRetry must be between {1} and {2}")]
    public TimeSpan ThrottleRetry { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Sends allowed per rolling 24 hours (the provider's daily quota); unset: no limit.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "MailTumble:Outbound:DailyQuota must be a positive number of messages")]
    public int? DailyQuota { get; set; }

    /// <summary>How long sending pauses when the provider cannot be reached, before one delivery probes again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00", ErrorMessage = "MailTumble:Outbound:UnreachablePause must be between {1} and {2}")]
    public TimeSpan UnreachablePause { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Messages accepted per second (over the last half second) above which a burst is coming in and the send-out yields
    /// the machine to it (<see cref="SendShareWhileReceiving"/>).
    /// </summary>
    [Range(1, 1_000_000, ErrorMessage = "MailTumble:Outbound:IntakeFirstAbove must be between {1} and {2} messages a second")]
    public int IntakeFirstAbove { get; set; } = 500;

    /// <summary>
    /// While a burst comes in, the most the send-out sends, as a share of the intake rate (when that is below the
    /// rate it may send at); 1 turns yielding off.
    /// </summary>
    [Range(0.01, 1, ErrorMessage = "MailTumble:Outbound:SendShareWhileReceiving must be between {1} and {2}")]
    public double SendShareWhileReceiving { get; set; } = 0.02;

    /// <summary>How often idle workers look for deferred or externally queued items.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00", ErrorMessage = "MailTumble:Outbound:IdlePoll must be between {1} and {2}")]
    public TimeSpan IdlePoll { get; set; } = TimeSpan.FromSeconds(1);
}
