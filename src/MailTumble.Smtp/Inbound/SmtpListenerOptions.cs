using System.ComponentModel.DataAnnotations;

namespace MailTumble.Smtp.Inbound;

/// <summary>The SMTP listener (<c>MailTumble:Smtp</c>).</summary>
public sealed class SmtpListenerOptions
{
    /// <summary>Whether to listen at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Address and port, e.g. <c>127.0.0.1:2525</c> or <c>[::]:25</c>; port 0 picks a free one.</summary>
    [Required]
    public string Listen { get; set; } = "127.0.0.1:2525";

    /// <summary>Largest message accepted, in bytes (552 5.3.4 above it).</summary>
    [Range(1024, int.MaxValue, ErrorMessage = "MailTumble:Smtp:MaxMessageBytes must be between {1} and {2}")]
    public int MaxMessageBytes { get; set; } = 41_943_040;

    /// <summary>The name in the greeting and EHLO reply (default: this host's name).</summary>
    public string? ServerName { get; set; }

    /// <summary>Recipients accepted per message (452 4.5.3 above it).</summary>
    [Range(1, 100_000, ErrorMessage = "MailTumble:Smtp:MaxRecipients must be between {1} and {2}")]
    public int MaxRecipients { get; set; } = 100;

    /// <summary>Concurrent connections; more are answered 421 and closed.</summary>
    [Range(1, 100_000, ErrorMessage = "MailTumble:Smtp:MaxConnections must be between {1} and {2}")]
    public int MaxConnections { get; set; } = 200;

    /// <summary>Concurrent connections from one client address; more are answered 421 and closed.</summary>
    [Range(1, 100_000, ErrorMessage = "MailTumble:Smtp:MaxConnectionsPerIp must be between {1} and {2}")]
    public int MaxConnectionsPerIp { get; set; } = 20;

    /// <summary>Longest command line, in bytes (RFC 5321 allows 512; extensions need more).</summary>
    [Range(512, 65_536, ErrorMessage = "MailTumble:Smtp:MaxCommandLine must be between {1} and {2}")]
    public int MaxCommandLine { get; set; } = 2048;

    /// <summary>How long to wait for the next command.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "MailTumble:Smtp:CommandTimeout must be between {1} and {2}")]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long DATA may stall between two reads.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "MailTumble:Smtp:DataTimeout must be between {1} and {2}")]
    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>
    /// The average rate DATA must keep, in bytes per second: a message may take at most <see cref="DataTimeout"/> plus one
    /// second per this many bytes received (as Postfix's <c>smtpd_min_data_rate</c>); 0 turns the check off.
    /// </summary>
    [Range(0, 1_000_000_000, ErrorMessage = "MailTumble:Smtp:MinDataRate must be between {1} and {2}")]
    public int MinDataRate { get; set; } = 500;

    /// <summary>What to do with a bare LF (or a bare CR) in message content.</summary>
    public BareLineEnds BareLineEnds { get; set; } = BareLineEnds.Normalize;

    /// <summary>The longest a whole session may last.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00", ErrorMessage = "MailTumble:Smtp:SessionTimeout must be between {1} and {2}")]
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Errors in a row before the session is closed.</summary>
    [Range(1, 1000, ErrorMessage = "MailTumble:Smtp:MaxErrors must be between {1} and {2}")]
    public int MaxErrors { get; set; } = 20;

    /// <summary>How long shutdown waits for sessions in the middle of a message.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "MailTumble:Smtp:DrainTimeout must be between {1} and {2}")]
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(20);
}
