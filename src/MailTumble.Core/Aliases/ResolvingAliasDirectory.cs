using MailTumble.Core.Addressing;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Aliases;

/// <summary>
/// The alias model on top of any driver (and its cache): an exact alias always wins; then, with sub-addressing,
/// <c>alias+tag@domain</c> resolves to <c>alias@domain</c>; then the domain's catch-all entry <c>@domain</c>, unless
/// it is disabled (the domain's catch-all switched off: the address is unknown); then, for a domain that creates
/// aliases on first use, a new alias (see <see cref="AliasAutoCreator"/>). The answer names the entry found in
/// <see cref="AliasRecord.Address"/> (what queue items, feedback and rules refer to), and the address as mailed in
/// <see cref="AliasRecord.Requested"/>.
/// </summary>
public sealed class ResolvingAliasDirectory : IAliasDirectory
{
    private readonly IAliasDirectory _inner;
    private readonly string _separator;
    private readonly AliasAutoCreator? _creator;

    /// <summary>Creates the resolver over <paramref name="inner"/>; with <paramref name="creator"/>, aliases may be created on first use.</summary>
    public ResolvingAliasDirectory(IAliasDirectory inner, IOptions<AliasOptions> options, AliasAutoCreator? creator = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _inner = inner;
        _creator = creator;
        _separator = options.Value.SubAddressSeparator ?? string.Empty;
    }

    /// <summary>The directory underneath (the cache, or the driver).</summary>
    public IAliasDirectory Inner => _inner;

    /// <inheritdoc />
    public async ValueTask<LookupResult> LookupAsync(string address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        var exact = await _inner.LookupAsync(address, cancellationToken).ConfigureAwait(false);
        if (exact.Outcome != LookupOutcome.NotFound || !MailAddress.TryParse(address, out var parsed))
        {
            return exact;
        }

        var sub = Split(parsed);
        if (sub is not null)
        {
            var found = await _inner.LookupAsync(sub.Value.Base, cancellationToken).ConfigureAwait(false);
            if (found.Outcome != LookupOutcome.NotFound)
            {
                return found.Alias is { } alias ? LookupResult.Found(alias with { Requested = parsed.Value, Tag = sub.Value.Tag }) : found;
            }
        }

        var all = await _inner.LookupAsync(AliasKey.CatchAll(parsed.Domain), cancellationToken).ConfigureAwait(false);
        switch (all.Outcome)
        {
            case LookupOutcome.Found when all.Alias!.Status is not AliasStatus.Disabled:
                return LookupResult.Found(all.Alias with { Requested = parsed.Value, Tag = sub?.Tag });
            case LookupOutcome.TemporaryFailure:
                return all;
        }

        if (all.Outcome == LookupOutcome.NotFound && _creator is not null && _creator.Enabled(parsed.Domain))
        {
            // A tagged address creates the alias it is a tag of.
            var created = await _creator.TryCreateAsync(sub?.Base ?? parsed.Value, parsed.Domain, cancellationToken).ConfigureAwait(false);
            if (created is not null)
            {
                return LookupResult.Found(sub is null ? created : created with { Requested = parsed.Value, Tag = sub.Value.Tag });
            }
        }

        return exact;
    }

    /// <inheritdoc />
    public ValueTask<bool> HasDomainAsync(string domain, CancellationToken cancellationToken) => _inner.HasDomainAsync(domain, cancellationToken);

    /// <summary>The alias and tag of a sub-address (<c>alias+tag@domain</c>); null when the local part has no tag.</summary>
    private (string Base, string Tag)? Split(MailAddress address)
    {
        if (_separator.Length == 0)
        {
            return null;
        }

        var at = address.Local.IndexOf(_separator, StringComparison.Ordinal);
        // A tag with '=' is the shape of a reverse alias (alias+correspondent=domain.signature): one that failed its
        // signature check must stay unknown, not reach the alias as a sub-address.
        if (at <= 0 || address.Local.IndexOf('=', at) >= 0)
        {
            return null;
        }

        return (address.Local[..at] + "@" + address.Domain, address.Local[(at + _separator.Length)..]);
    }
}
