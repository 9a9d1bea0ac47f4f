using System.Globalization;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Aliases;

/// <summary>Checks <see cref="DirectoryResilienceOptions"/> at start; each message names the setting as it was written.</summary>
internal sealed class DirectoryResilienceOptionsValidator : IValidateOptions<DirectoryResilienceOptions>
{
    public ValidateOptionsResult Validate(string? name, DirectoryResilienceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Check(options, nameof(options.Timeout), options.Timeout, "00:00:00.010", "00:05:00", failures);
        Check(options, nameof(options.BreakerSamplingDuration), options.BreakerSamplingDuration, "00:00:00.500", "01:00:00", failures);
        Check(options, nameof(options.BreakerBreakDuration), options.BreakerBreakDuration, "00:00:00.500", "01:00:00", failures);
        if (options.BreakerFailureRatio is < 0.01 or > 1.0 || double.IsNaN(options.BreakerFailureRatio))
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{options.SettingName(nameof(options.BreakerFailureRatio))} must be between 0.01 and 1"));
        }

        if (options.BreakerMinimumThroughput is < 2 or > 10_000)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{options.SettingName(nameof(options.BreakerMinimumThroughput))} must be between 2 and 10000"));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(DirectoryResilienceOptions options, string property, TimeSpan value, string min, string max, List<string> failures)
    {
        if (value < TimeSpan.Parse(min, CultureInfo.InvariantCulture) || value > TimeSpan.Parse(max, CultureInfo.InvariantCulture))
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{options.SettingName(property)} must be between {min} and {max}"));
        }
    }
}
