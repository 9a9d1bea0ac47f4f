using System.ComponentModel.DataAnnotations;

namespace MailTumble.Smtp.Outbound;

/// <summary>The smarthost forwarded mail goes to (<c>MailTumble:Outbound:Smtp</c>). No host: the outbox directory is used.</summary>
public sealed class OutboundSmtpOptions
{
    /// <summary>The smarthost, e.g. <c>email-smtp.eu-west-1.amazonaws.com</c>.</summary>
    public string? Host { get; set; }

    /// <summary>Its port (587 for STARTTLS submission, 465 for TLS, 25 for plain relay).</summary>
    [Range(1, 65535, ErrorMessage = "MailTumble:Outbound:Smtp:Port must be between {1} and {2}")]
    public int Port { get; set; } = 25;

    /// <summary>SMTP user name, if the smarthost wants authentication.</summary>
    public string? Username { get; set; }

    /// <summary>SMTP password.</summary>
    public string? Password { get; set; }

    /// <summary><c>none</c>, <c>starttls</c> or <c>tls</c>.</summary>
    [RegularExpression("^(?i)(none|starttls|tls)$", ErrorMessage = "MailTumble:Outbound:Smtp:Security must be none, starttls or tls")]
    public string Security { get; set; } = "none";

    /// <summary>
    /// SHA-256 fingerprint (hex) of the smarthost's certificate, for a smarthost whose certificate does not validate
    /// (self-signed, private CA): that one certificate is accepted. Unset: the certificate must validate.
    /// </summary>
    [RegularExpression("^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$", ErrorMessage = "MailTumble:Outbound:Smtp:CertificateSha256 must be a SHA-256 fingerprint (64 hex digits, colons allowed)")]
    public string? CertificateSha256 { get; set; }

    /// <summary>The name we give in EHLO (default: this host's name).</summary>
    public string? HeloName { get; set; }

    /// <summary>Timeout for each SMTP command and the data transfer.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00", ErrorMessage = "MailTumble:Outbound:Smtp:Timeout must be between {1} and {2}")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>An idle pooled connection older than this is closed instead of reused.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "MailTumble:Outbound:Smtp:IdleTimeout must be between {1} and {2}")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
