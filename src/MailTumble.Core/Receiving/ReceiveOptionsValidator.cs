using System.Globalization;
using MailTumble.Core.Addressing;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Receiving;

/// <summary>Checks <see cref="ReceiveOptions"/> at start: every entry of <c>MailTumble:Domains</c> must be a domain name.</summary>
public sealed class ReceiveOptionsValidator : IValidateOptions<ReceiveOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ReceiveOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        for (var i = 0; i < options.Domains.Count; i++)
        {
            // A typo here silently refuses all mail for the domain meant (554), or accepts one that is not ours.
            var domain = options.Domains[i]?.Trim() ?? string.Empty;
            if (domain.Length == 0 || domain.Contains('@', StringComparison.Ordinal) || !MailAddress.TryParse("postmaster@" + domain, out _))
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture,
                    $"MailTumble:Domains:{i} is '{options.Domains[i]}', which is not a domain name such as mask.example.com"));
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
