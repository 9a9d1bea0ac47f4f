using System.ComponentModel.DataAnnotations;

namespace MailTumble.Sqlite;

/// <summary>Where the embedded database lives and how the ingest channel behaves.</summary>
public sealed class SqliteOptions
{
    /// <summary>The database file (default <c>{DataDir}/mailtumble.db</c>).</summary>
    [Required]
    public string DatabasePath { get; set; } = "data/mailtumble.db";

    /// <summary>Writes waiting for a group commit before new mail is answered 451.</summary>
    [Range(16, 1_000_000, ErrorMessage = "MailTumble:Sqlite:IngestChannelCapacity must be between {1} and {2}")]
    public int IngestChannelCapacity { get; set; } = 4096;

    /// <summary>
    /// How long a live worker may keep renewing the lease on a batch it is still sending (slow provider, long
    /// timeouts) before the worker is presumed hung and the batch is left to become due again. Zero turns renewal off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "MailTumble:Sqlite:MaxLeaseHold must be between {1} and {2}")]
    public TimeSpan MaxLeaseHold { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Room kept on the data disk (<c>space.reserve</c>) for send-out when the disk fills up, in megabytes; zero keeps none
    /// (a full disk then stops send-out too).
    /// </summary>
    [Range(0, 65536, ErrorMessage = "MailTumble:Sqlite:DiskReserveMegabytes must be between {1} and {2}")]
    public int DiskReserveMegabytes { get; set; } = 16;
}
