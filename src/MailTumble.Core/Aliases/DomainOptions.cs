namespace MailTumble.Core.Aliases;

/// <summary>One domain's alias settings (<c>MailTumble:Domains:{domain}:*</c>).</summary>
public sealed class DomainOptions
{
    /// <summary>Whether mail to an unknown local part creates the alias, forwarding to <see cref="DefaultTarget"/>.</summary>
    public bool AutoCreate { get; set; }

    /// <summary>Where aliases created on first use forward (one address, or several separated by commas).</summary>
    public string? DefaultTarget { get; set; }

    /// <summary>At most this many aliases are created per <see cref="AutoCreateWindow"/>; past it, unknown addresses get 550.</summary>
    public int AutoCreateLimit { get; set; } = 20;

    /// <summary>The window <see cref="AutoCreateLimit"/> counts over.</summary>
    public TimeSpan AutoCreateWindow { get; set; } = TimeSpan.FromHours(1);
}
