using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MailTumble.Core.Aliases;

namespace MailTumble.RestDirectory.Tests;

/// <summary>Several targets in the seed's REST contract: <c>alias</c> may be a string or an array.</summary>
public sealed class RestMultiTargetTests
{
    private const string Address = "team@mask.example.com";

    [Fact]
    public void The_alias_property_may_be_a_string_or_an_array()
    {
        var one = RestAliasDirectory.Parse(Encoding.UTF8.GetBytes("""{"alias":"john@real.example.org"}"""), Address).Alias!;
        Assert.Equal(["john@real.example.org"], one.Targets);

        var many = RestAliasDirectory.Parse(Encoding.UTF8.GetBytes("""{"alias":["A@real.example.org","b@real.example.org","a@real.example.org","team@mask.example.com",7],"email":"a@real.example.org"}"""), Address).Alias!;
        // Lower-cased, without duplicates, never the alias itself, nothing that is not an address.
        Assert.Equal(["a@real.example.org", "b@real.example.org"], many.Targets);
        Assert.Equal(("a@real.example.org", AliasStatus.Active), (many.Target, many.Status));

        var half = RestAliasDirectory.Parse(Encoding.UTF8.GetBytes("""{"alias":["a@real.example.org","b@real.example.org"],"dead_targets":["b@real.example.org"],"count_bounce":9}"""), Address).Alias!;
        Assert.Equal((AliasStatus.Active, "a@real.example.org"), (half.Status, Assert.Single(half.LiveTargets)));
        var dead = RestAliasDirectory.Parse(Encoding.UTF8.GetBytes("""{"alias":["a@real.example.org","b@real.example.org"],"dead_targets":["b@real.example.org","a@real.example.org"]}"""), Address).Alias!;
        Assert.Equal(AliasStatus.Dead, dead.Status);

        Assert.Equal(LookupOutcome.TemporaryFailure, RestAliasDirectory.Parse(Encoding.UTF8.GetBytes("""{"alias":[]}"""), Address).Outcome);
    }

    [Fact]
    public async Task MailTumbles_api_serves_several_targets_and_the_rest_driver_reads_them()
    {
        await using var server = await MailTumbleApiServer.StartAsync();
        using var client = server.Client();
        using var put = await client.PutAsJsonAsync("aliases/team%40mask.example.com", new { targets = new[] { "x@real.example.org", "y@real.example.org" } });
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        using var tooMany = await client.PutAsJsonAsync("aliases/big%40mask.example.com", new { target = string.Join(',', Enumerable.Range(0, 11).Select(i => $"t{i}@real.example.org")) });
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("MailTumble:MaxTargetsPerAlias", await tooMany.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var document = JsonDocument.Parse(await client.GetStringAsync("aliases/team@mask.example.com"));
        Assert.Equal(["x@real.example.org", "y@real.example.org"], document.RootElement.GetProperty("alias").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("x@real.example.org", document.RootElement.GetProperty("email").GetString());

        using var directory = RestDirectories.Create(server.BaseAddress, MailTumbleApiServer.Token);
        var alias = (await directory.LookupAsync(Address, default)).Alias!;
        Assert.Equal(["x@real.example.org", "y@real.example.org"], alias.Targets);
    }
}
