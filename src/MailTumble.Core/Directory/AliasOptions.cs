using System.ComponentModel.DataAnnotations;

namespace MailTumble.Core.Directory;

/// <summary>The alias model's settings (<c>MailTumble:*</c>), the same for every directory driver.</summary>
public sealed class AliasOptions
{
    /// <summary>The most targets one alias may forward to (<c>MailTumble:MaxTargetsPerAlias</c>).</summary>
    [Range(1, 100, ErrorMessage = "MailTumble:MaxTargetsPerAlias must be between 1 and 100")]
    public int MaxTargetsPerAlias { get; set; } = 10;
}
