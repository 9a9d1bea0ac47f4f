using MailTumble.Core.Aliases;
using System.ComponentModel.DataAnnotations;

namespace MailTumble.RestDirectory;

/// <summary>
/// The <c>rest</c> alias directory (<c>MailTumble:Directory:Rest</c>; the seed's <c>API_URL</c> and <c>API_TOKEN</c>). Its
/// timeout and circuit breaker are the host's policy for every driver (<see cref="DirectoryResilienceOptions"/>); the host
/// still reads <c>:Rest:Timeout</c> and <c>:Rest:Breaker*</c> as their older names.
/// </summary>
public sealed class RestDirectoryOptions
{
    /// <summary>Base URL; lookups go to <c>{Url}/aliases/{address}</c>.</summary>
    [Required(ErrorMessage = "API_URL (MailTumble:Directory:Rest:Url) is required for the rest directory driver")]
    public string? Url { get; set; }

    /// <summary>Sent as <c>Authorization: Bearer {Token}</c> when set.</summary>
    public string? Token { get; set; }

    /// <summary>
    /// More permanent bounces than this mean dead. The host sets it from <c>MailTumble:Feedback:MaxBounces</c>
    /// (default 3, the original system's rule), so every driver applies the same limit.
    /// </summary>
    [Range(0, 1000)]
    public int BounceLimit { get; set; } = AliasRules.BounceLimit;
}
