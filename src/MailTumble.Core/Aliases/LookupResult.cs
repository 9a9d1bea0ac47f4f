namespace MailTumble.Core.Aliases;

/// <summary>The answer to one directory lookup.</summary>
/// <param name="Outcome">Found, not found, or temporarily unavailable.</param>
/// <param name="Alias">The alias when found.</param>
/// <param name="Reason">Why the lookup failed, for logs and SMTP replies.</param>
public sealed record LookupResult(LookupOutcome Outcome, AliasRecord? Alias = null, string? Reason = null)
{
    /// <summary>The alias does not exist.</summary>
    public static LookupResult NotFound { get; } = new(LookupOutcome.NotFound);

    /// <summary>The alias exists.</summary>
    public static LookupResult Found(AliasRecord alias) => new(LookupOutcome.Found, alias);

    /// <summary>The directory could not answer.</summary>
    public static LookupResult TemporaryFailure(string reason) => new(LookupOutcome.TemporaryFailure, null, reason);
}
