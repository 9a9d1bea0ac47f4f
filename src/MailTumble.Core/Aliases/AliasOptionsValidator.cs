using MailTumble.Core.Addressing;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Aliases;

/// <summary>Checks the per-domain settings at start, naming the setting that is wrong.</summary>
internal sealed class AliasOptionsValidator : IValidateOptions<AliasOptions>
{
    public ValidateOptionsResult Validate(string? name, AliasOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var (domain, settings) in options.Domains)
        {
            if (!MailAddress.TryParse("x@" + domain, out _))
            {
                failures.Add($"MailTumble:Domains:{domain} is not a domain name such as mask.example.com");
                continue;
            }

            if (!settings.AutoCreate)
            {
                continue;
            }

            try
            {
                AliasTargets.Parse(settings.DefaultTarget ?? string.Empty, options.MaxTargetsPerAlias);
            }
            catch (FormatException ex)
            {
                failures.Add($"MailTumble:Domains:{domain}:AutoCreate is on, so MailTumble:Domains:{domain}:DefaultTarget must name where new aliases forward ({ex.Message})");
            }

            if (settings.AutoCreateLimit is < 1 or > 1_000_000)
            {
                failures.Add($"MailTumble:Domains:{domain}:AutoCreateLimit must be between 1 and 1000000");
            }

            if (settings.AutoCreateWindow <= TimeSpan.Zero)
            {
                failures.Add($"MailTumble:Domains:{domain}:AutoCreateWindow must be positive, e.g. 01:00:00");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
