using MailTumble.Core.Aliases;
using MailTumble.Testing.Contracts;

namespace MailTumble.RestDirectory.Tests;

/// <summary>The rest driver against a minimal server that answers as the seed's API did (no MailTumble code on the server side).</summary>
public sealed class RestAgainstIndependentServerContractTests : AliasDirectoryContract, IAsyncLifetime
{
    private IndependentAliasServer _server = null!;
    private RestAliasDirectory? _directory;

    protected override bool IsReadOnly => true;

    protected override bool KnowsDomains => false;

    public async Task InitializeAsync() => _server = await IndependentAliasServer.StartAsync();

    public async Task DisposeAsync()
    {
        _directory?.Dispose();

        // Whatever a test looked up, each request was one escaped path segment with the token.
        foreach (var raw in _server.RawTargets)
        {
            var segment = raw["/prod/aliases/".Length..];
            Assert.DoesNotContain('/', segment);
            Assert.DoesNotContain('?', segment);
            Assert.DoesNotContain('#', segment);
            Assert.DoesNotContain('\'', segment);
            Assert.DoesNotContain(segment, c => c > 0x7e || c < 0x21);
            // Nothing but unreserved characters and %XX escapes: no quote, slash, '?', '&', '=', '*', '{', '|', '`', '$' as written.
            Assert.Matches("^(?:[A-Za-z0-9._~-]|%[0-9A-F]{2})+$", segment);
            var address = Uri.UnescapeDataString(segment);
            Assert.Equal(address.ToLowerInvariant(), address);
            Assert.Contains('@', address);
        }

        Assert.All(_server.Authorizations, a => Assert.Equal("Bearer " + IndependentAliasServer.Token, a));
        await _server.DisposeAsync();
    }

    protected override Task<IAliasDirectory> CreateAsync(IReadOnlyList<AliasRecord> seed)
    {
        var i = 0;
        foreach (var alias in seed)
        {
            // The original shapes: the target in 'alias' (the README), in 'email' (the code), or in 'email' next to the
            // looked-up address in 'alias' (a table item served as it is stored); counts and optout decide.
            _server.Documents[alias.Address] = alias.Status switch
            {
                // MailTumble's optional additions: the switch as 'disabled', a display name and a note.
                _ when alias.DisplayName is not null || alias.Note is not null => new { alias = alias.Target, disabled = alias.Status is AliasStatus.Disabled, display_name = alias.DisplayName, note = alias.Note },
                AliasStatus.Dead => new { alias = alias.Target, count_bounce = 4, count_complaint = 0, count_delivery = 7, optout = false },
                AliasStatus.Disabled => new { email = alias.Target, count_bounce = 0, count_complaint = 0, count_delivery = 0, optout = true },
                AliasStatus.Held => new { alias = alias.Target, status = "held" },
                _ => (i++ % 3) switch
                {
                    0 => new { email = alias.Target, count_bounce = 3, count_complaint = 0, count_delivery = 12, optout = false },
                    1 => new { alias = alias.Address, email = alias.Target },
                    _ => (object)new { alias = alias.Target },
                },
            };
        }

        _directory = RestDirectories.Create(_server.BaseAddress, IndependentAliasServer.Token);
        return Task.FromResult<IAliasDirectory>(_directory);
    }
}
