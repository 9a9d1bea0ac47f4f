using Microsoft.Extensions.Options;

namespace MailTumble.Core.Fairness;

/// <summary>Checks the lane key and the weights at start, naming the setting that is wrong.</summary>
internal sealed class FairnessOptionsValidator : IValidateOptions<FairnessOptions>
{
    public ValidateOptionsResult Validate(string? name, FairnessOptions options)
    {
        var failures = new List<string>();
        if (!LaneKeys.TryParse(options.LaneBy, out _, out var error))
        {
            failures.Add("MailTumble:Fairness:LaneBy " + error);
        }

        foreach (var (lane, weight) in options.Weights)
        {
            if (!(weight >= 0.01 && weight <= 1000))
            {
                failures.Add($"MailTumble:Fairness:Weights:{lane} must be between 0.01 and 1000");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
