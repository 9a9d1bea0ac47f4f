using MailTumble.Core.Addressing;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Rewriting;

/// <summary>Checks <see cref="RewriteOptions"/> at start; each failure names the setting.</summary>
public sealed class RewriteOptionsValidator : IValidateOptions<RewriteOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, RewriteOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.FromEmail) && !MailAddress.TryParse(options.FromEmail, out _))
        {
            failures.Add("FROM_EMAIL (MailTumble:Rewrite:FromEmail) must be a plain address such as relay@example.com");
        }

        if (ParseFromFormat(options.FromFormat) is null)
        {
            failures.Add("MailTumble:Rewrite:FromFormat must be name, name-and-address, address or none");
        }

        if (ParseToTarget(options.ToHeader) is null)
        {
            failures.Add("MailTumble:Rewrite:ToHeader must be unchanged or target");
        }

        if (options.MaxHops is < 1 or > 100)
        {
            failures.Add("MailTumble:Rewrite:MaxHops must be between 1 and 100");
        }

        if (!string.IsNullOrWhiteSpace(options.BounceDomain) && !MailAddress.TryParse("bounces@" + options.BounceDomain.Trim(), out _))
        {
            failures.Add("MailTumble:Rewrite:BounceDomain must be a domain such as mask.example.com");
        }

        if (options.BounceKey is not null && options.BounceKey.Length < 16)
        {
            failures.Add("MailTumble:Rewrite:BounceKey must be at least 16 characters");
        }

        if (options.BounceLifetime < TimeSpan.FromMinutes(10) || options.BounceLifetime > TimeSpan.FromDays(365))
        {
            failures.Add("MailTumble:Rewrite:BounceLifetime must be between 00:10:00 and 365.00:00:00");
        }

        if (options.SubjectPrefix is { } prefix && prefix.AsSpan().ContainsAny('\r', '\n'))
        {
            failures.Add("SUBJECT_PREFIX (MailTumble:Rewrite:SubjectPrefix) must be one line");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static FromFormat? ParseFromFormat(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "name" or "" or null => FromFormat.Name,
        "name-and-address" => FromFormat.NameAndAddress,
        "address" => FromFormat.Address,
        "none" => FromFormat.None,
        _ => null,
    };

    internal static bool? ParseToTarget(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "unchanged" or "" or null => false,
        "target" => true,
        _ => null,
    };
}
