using System.ComponentModel.DataAnnotations;

namespace MailTumble.Core.Aliases;

/// <summary>The alias model's settings (<c>MailTumble:*</c>), the same for every directory driver.</summary>
public sealed class AliasOptions
{
    /// <summary>The most targets one alias may forward to (<c>MailTumble:MaxTargetsPerAlias</c>).</summary>
    [Range(1, 100, ErrorMessage = "MailTumble:MaxTargetsPerAlias must be between 1 and 100")]
    public int MaxTargetsPerAlias { get; set; } = 10;

    /// <summary>
    /// Sub-addressing (<c>MailTumble:SubAddressSeparator</c>): <c>alias+tag@domain</c> reaches <c>alias@domain</c> when no
    /// alias is called <c>alias+tag@domain</c> itself; the tag goes into <c>X-MailTumble-Tag</c>. Empty turns it off.
    /// </summary>
    [RegularExpression(@"^[-+_=.~#]?$", ErrorMessage = "MailTumble:SubAddressSeparator must be empty or one of - + _ = . ~ #")]
    public string SubAddressSeparator { get; set; } = "+";

    /// <summary>Per-domain settings (<c>MailTumble:Domains:{domain}:*</c>), keyed by lower-case domain.</summary>
    public IDictionary<string, DomainOptions> Domains { get; } = new Dictionary<string, DomainOptions>(StringComparer.OrdinalIgnoreCase);
}
