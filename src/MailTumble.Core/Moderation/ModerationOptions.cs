using System.ComponentModel.DataAnnotations;

namespace MailTumble.Core.Moderation;

/// <summary>Moderation settings (<c>MailTumble:Moderation</c>).</summary>
public sealed class ModerationOptions
{
    /// <summary>How long held mail waits for a decision before <see cref="ExpiryAction"/> applies.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00", ErrorMessage = "MailTumble:Moderation:HeldTtl must be between {1} and {2}")]
    public TimeSpan HeldTtl { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Reject or Approve held mail when <see cref="HeldTtl"/> runs out.</summary>
    [EnumDataType(typeof(ExpiryAction), ErrorMessage = "MailTumble:Moderation:ExpiryAction must be Reject or Approve")]
    public ExpiryAction ExpiryAction { get; set; } = ExpiryAction.Reject;

    /// <summary>First-contact moderation for every alias unless set otherwise (per alias, or globally with <c>sender first-contact</c>).</summary>
    public bool FirstContact { get; set; }

    /// <summary>How often the sweeper looks for expired held mail.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "MailTumble:Moderation:SweepInterval must be between {1} and {2}")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long decided entries stay visible with <c>held show</c>.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00", ErrorMessage = "MailTumble:Moderation:KeepDecided must be between {1} and {2}")]
    public TimeSpan KeepDecided { get; set; } = TimeSpan.FromDays(30);
}
