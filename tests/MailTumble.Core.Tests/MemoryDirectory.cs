using MailTumble.Core.Aliases;

namespace MailTumble.Core.Tests;

/// <summary>A directory of fixed aliases; an address listed in <see cref="Down"/> is a lookup that fails.</summary>
internal sealed class MemoryDirectory(params AliasRecord[] aliases) : IAliasDirectory
{
    public HashSet<string> Down { get; } = [];

    public ValueTask<LookupResult> LookupAsync(string address, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Down.Contains(address)
            ? LookupResult.TemporaryFailure("test outage")
            : aliases.FirstOrDefault(a => a.Address == address) is { } alias ? LookupResult.Found(alias) : LookupResult.NotFound);

    public ValueTask<bool> HasDomainAsync(string domain, CancellationToken cancellationToken) => ValueTask.FromResult(true);
}
