using System.ComponentModel.DataAnnotations;

namespace MailTumble.Files;

/// <summary>The <c>map</c> alias directory (<c>MailTumble:Directory:Map</c>).</summary>
public sealed class MapFileOptions
{
    /// <summary>The JSON or YAML map file.</summary>
    [Required(ErrorMessage = "MailTumble:Directory:Map:Path is required for the map directory driver")]
    public string? Path { get; set; }

    /// <summary>Whether <c>john+news@…</c> falls back to <c>john@…</c> when it has no rule of its own.</summary>
    public bool SubAddressing { get; set; } = true;

    /// <summary>The character that starts a sub-address tag.</summary>
    public char SubAddressSeparator { get; set; } = '+';

    /// <summary>
    /// Domains that count as ours besides those the file names, for the <c>user</c> and <c>@</c> rules.
    /// The host fills it from <c>MailTumble:Domains</c>.
    /// </summary>
    public IList<string> Domains { get; } = [];

    /// <summary>How often the file is checked for changes.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ReloadCheckInterval { get; set; } = TimeSpan.FromSeconds(2);
}
