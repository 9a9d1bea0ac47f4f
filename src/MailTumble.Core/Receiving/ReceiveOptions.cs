using System.ComponentModel.DataAnnotations;

namespace MailTumble.Core.Receiving;

/// <summary>Settings for accepting mail (<c>MailTumble</c> section).</summary>
public sealed class ReceiveOptions
{
    /// <summary>Domains we accept mail for. Empty: every domain that has an alias.</summary>
    public IList<string> Domains { get; } = [];

    /// <summary>How long a delivery may stay queued before it is dead-lettered (Postfix's default: 5 days).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00", ErrorMessage = "MailTumble:MaxQueueLifetime must be between {1} and {2}")]
    public TimeSpan MaxQueueLifetime { get; set; } = TimeSpan.FromDays(5);
}
