namespace MailTumble.Core.Aliases;

/// <summary>Port: resolves alias addresses to targets and statuses.</summary>
public interface IAliasDirectory
{
    /// <summary>Looks up an alias. Never throws for an outage: returns <see cref="LookupOutcome.TemporaryFailure"/>.</summary>
    ValueTask<LookupResult> LookupAsync(string address, CancellationToken cancellationToken);

    /// <summary>Whether the directory holds any alias in <paramref name="domain"/> (used when no domain list is configured).</summary>
    ValueTask<bool> HasDomainAsync(string domain, CancellationToken cancellationToken);
}
