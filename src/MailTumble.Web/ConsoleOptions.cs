namespace MailTumble.Web;

/// <summary>The operator console (served on the API listener, signed in with <c>MailTumble:Api:Token</c>).</summary>
public sealed class ConsoleOptions
{
    /// <summary>The API token the operator signs in with; null or empty: no sign-in (the listener is loopback only).</summary>
    public string? Token { get; set; }

    /// <summary>How long a session lasts without use.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);
}
