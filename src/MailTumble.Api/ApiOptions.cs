using System.ComponentModel.DataAnnotations;

namespace MailTumble.Api;

/// <summary>The HTTP API (<c>MailTumble:Api</c>).</summary>
public sealed class ApiOptions
{
    /// <summary>Address and port, e.g. <c>127.0.0.1:8025</c>.</summary>
    [Required]
    public string Listen { get; set; } = "127.0.0.1:8025";

    /// <summary>Bearer token required on every route but <c>/healthz</c>. Without it the API only listens on loopback.</summary>
    public string? Token { get; set; }
}
