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
}
