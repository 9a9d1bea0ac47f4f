using System.ComponentModel.DataAnnotations;

namespace MailTumble.Files;

/// <summary>Where message files live.</summary>
public sealed class FileStoreOptions
{
    /// <summary>Original messages, one file each (default <c>{DataDir}/raw</c>).</summary>
    [Required]
    public string RawDirectory { get; set; } = "data/raw";

    /// <summary>Where the outbox sender writes forwarded mail (default <c>{DataDir}/outbox</c>).</summary>
    [Required]
    public string OutboxDirectory { get; set; } = "data/outbox";
}
