using System.ComponentModel.DataAnnotations;

namespace MailTumble.Postgres;

/// <summary>The PostgreSQL family's database (<c>MailTumble:Postgres</c>).</summary>
public sealed class PostgresOptions
{
    /// <summary>An Npgsql connection string (<c>MailTumble:Postgres:ConnectionString</c>), e.g. <c>Host=db;Username=mailtumble;Password=...;Database=mailtumble</c>.</summary>
    [Required(ErrorMessage = "MailTumble:Postgres:ConnectionString is required when MailTumble:Backend is postgres (an Npgsql connection string, e.g. Host=db.internal;Username=mailtumble;Password=...;Database=mailtumble)")]
    public string? ConnectionString { get; set; }

    /// <summary>The schema holding MailTumble's tables, created at start when missing (<c>MailTumble:Postgres:Schema</c>).</summary>
    [Required(ErrorMessage = "MailTumble:Postgres:Schema must not be empty")]
    [RegularExpression("^[a-z_][a-z0-9_]{0,62}$", ErrorMessage = "MailTumble:Postgres:Schema must be a lower-case SQL identifier (letters, digits, '_'; at most 63)")]
    public string Schema { get; set; } = "mailtumble";

    /// <summary>
    /// How long a live worker may keep renewing the lease on a batch it is still sending before the worker is presumed
    /// hung and the batch is left to become due again (for any node). Zero turns renewal off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "MailTumble:Postgres:MaxLeaseHold must be between {1} and {2}")]
    public TimeSpan MaxLeaseHold { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Enqueues (new mail) one process may have waiting for PostgreSQL at once before new mail is answered 451.</summary>
    [Range(1, 100_000, ErrorMessage = "MailTumble:Postgres:IngestConcurrency must be between {1} and {2}")]
    public int IngestConcurrency { get; set; } = 256;
}
