using MailTumble.Core.Aliases;
using Microsoft.Extensions.Options;

namespace MailTumble.RestDirectory.Tests;

/// <summary>
/// Sub-addressing and catch-all through the rest driver, against a stand-in for the original API that knows nothing of
/// either: MailTumble's alias model asks it for the exact address, then the tag-less one, then <c>@domain</c>.
/// </summary>
public sealed class RestSubAddressAndCatchAllTests : IAsyncLifetime
{
    private IndependentAliasServer _server = null!;

    public async Task InitializeAsync() => _server = await IndependentAliasServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private ResolvingAliasDirectory Resolver(string separator = "+") =>
        new(RestDirectories.Create(_server.BaseAddress, IndependentAliasServer.Token), Options.Create(new AliasOptions { SubAddressSeparator = separator }));

    [Fact]
    public async Task A_tagged_address_reaches_its_alias_and_an_unknown_one_the_catch_all()
    {
        _server.Documents["john@mask.example.com"] = new { alias = "john@real.example.org" };
        _server.Documents["john+exact@mask.example.com"] = new { alias = "exact@real.example.org" };
        _server.Documents["@mask.example.com"] = new { alias = "catchall@real.example.org" };
        var directory = Resolver();

        var tagged = (await directory.LookupAsync("John+News@mask.example.com", default)).Alias!;
        Assert.Equal(("john@mask.example.com", "john@real.example.org", "news", "john+news@mask.example.com"), (tagged.Address, tagged.Target, tagged.Tag, tagged.Requested));

        // An alias named with the separator is an exact alias, and wins.
        var exact = (await directory.LookupAsync("john+exact@mask.example.com", default)).Alias!;
        Assert.Equal(("exact@real.example.org", null), (exact.Target, exact.Tag));

        var any = (await directory.LookupAsync("whoever@mask.example.com", default)).Alias!;
        Assert.Equal(("@mask.example.com", "catchall@real.example.org", "whoever@mask.example.com"), (any.Address, any.Target, any.Requested));
        Assert.Equal("john@real.example.org", (await directory.LookupAsync("john@mask.example.com", default)).Alias!.Target);

        // Each step was one GET of one escaped path segment: exact, tag-less, catch-all.
        Assert.Contains("/prod/aliases/john%2Bnews%40mask.example.com", _server.RawTargets);
        Assert.Contains("/prod/aliases/%40mask.example.com", _server.RawTargets);
    }

    [Fact]
    public async Task Without_a_catch_all_or_with_sub_addressing_off_the_address_is_unknown()
    {
        _server.Documents["john@mask.example.com"] = new { alias = "john@real.example.org" };
        Assert.Equal(LookupOutcome.NotFound, (await Resolver().LookupAsync("nobody@mask.example.com", default)).Outcome);
        Assert.Equal(LookupOutcome.NotFound, (await Resolver(separator: string.Empty).LookupAsync("john+news@mask.example.com", default)).Outcome);
        Assert.Equal("john@real.example.org", (await Resolver(separator: "-").LookupAsync("john-news@mask.example.com", default)).Alias!.Target);

        // A catch-all the API marks disabled is switched off: unknown, not "disabled".
        _server.Documents["@mask.example.com"] = new { alias = "catchall@real.example.org", status = "disabled" };
        Assert.Equal(LookupOutcome.NotFound, (await Resolver().LookupAsync("nobody@mask.example.com", default)).Outcome);
    }

    [Fact]
    public async Task An_outage_is_an_outage_at_every_step()
    {
        _server.Mode = IndependentAliasServer.Behaviour.Error500;
        Assert.Equal(LookupOutcome.TemporaryFailure, (await Resolver().LookupAsync("john+news@mask.example.com", default)).Outcome);
    }
}
