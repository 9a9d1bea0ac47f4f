using System.Net.Http.Json;
using MailTumble.Core.Aliases;
using MailTumble.Testing.Contracts;

namespace MailTumble.RestDirectory.Tests;

/// <summary>The rest driver against MailTumble's own API: one MailTumble can be another's directory.</summary>
public sealed class RestAgainstMailTumbleApiContractTests : AliasDirectoryContract, IAsyncLifetime
{
    private MailTumbleApiServer _server = null!;
    private RestAliasDirectory? _directory;

    protected override bool IsReadOnly => true;

    protected override bool KnowsDomains => false;

    public async Task InitializeAsync() => _server = await MailTumbleApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        _directory?.Dispose();

        // The driver's lookups (the GETs) each sent the address as one escaped path segment.
        foreach (var (_, raw) in _server.Requests.Where(r => r.Method == "GET"))
        {
            Assert.StartsWith("/aliases/", raw, StringComparison.Ordinal);
            Assert.Matches("^(?:[A-Za-z0-9._~-]|%[0-9A-F]{2})+$", raw["/aliases/".Length..]);
        }

        await _server.DisposeAsync();
    }

    protected override async Task<IAliasDirectory> CreateAsync(IReadOnlyList<AliasRecord> seed)
    {
        // Seeded through the API's own PUT routes, so those are exercised with the same awkward addresses.
        using var client = _server.Client();
        foreach (var alias in seed)
        {
            var path = "aliases/" + Uri.EscapeDataString(alias.Address);
            using var put = await client.PutAsJsonAsync(path, new { email = alias.Target, display_name = alias.DisplayName, note = alias.Note });
            Assert.True(put.IsSuccessStatusCode, $"PUT {path}: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync()}");
            using var status = await client.PutAsJsonAsync(path + "/status", new { status = AliasRules.Format(alias.Status) });
            Assert.True(status.IsSuccessStatusCode, $"PUT {path}/status: {(int)status.StatusCode}");
        }

        _directory = RestDirectories.Create(_server.BaseAddress, MailTumbleApiServer.Token);
        return _directory;
    }
}
