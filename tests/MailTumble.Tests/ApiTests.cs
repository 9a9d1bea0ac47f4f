using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace MailTumble.Tests;

/// <summary>The HTTP API over real HTTP on loopback.</summary>
public sealed class ApiTests
{
    [Fact]
    public async Task With_a_token_every_route_but_healthz_needs_it()
    {
        await using var relay = await RelayFixture.StartAsync(new() { ["MailTumble:Api:Token"] = "s3cret" });
        using var http = new HttpClient { BaseAddress = new Uri(relay.ApiBase) };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri("/queue/stats", UriKind.Relative))).StatusCode);

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri("/queue/stats", UriKind.Relative))).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/queue/stats", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Aliases_follow_the_original_lookup_contract()
    {
        await using var relay = await RelayFixture.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(relay.ApiBase) };
        var put = await http.PutAsJsonAsync(new Uri("/aliases/x7g2@mask.example.com", UriKind.Relative), new { email = "john@real.example.org" });
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        var json = JsonDocument.Parse(await http.GetStringAsync(new Uri("/aliases/X7G2%40mask.example.com", UriKind.Relative))).RootElement;
        Assert.Equal("john@real.example.org", json.GetProperty("alias").GetString());
        Assert.Equal("john@real.example.org", json.GetProperty("email").GetString());
        Assert.Equal("x7g2@mask.example.com", json.GetProperty("address").GetString());
        Assert.Equal("active", json.GetProperty("status").GetString());
        Assert.Equal(0, json.GetProperty("count_bounce").GetInt32());
        Assert.False(json.GetProperty("optout").GetBoolean());

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri("/aliases/nobody@mask.example.com", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync(new Uri("/aliases/not-an-address", UriKind.Relative))).StatusCode);

        var status = await http.PutAsJsonAsync(new Uri("/aliases/x7g2@mask.example.com/status", UriKind.Relative), new { status = "dead" });
        Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);
        var dead = JsonDocument.Parse(await http.GetStringAsync(new Uri("/aliases/x7g2@mask.example.com", UriKind.Relative))).RootElement;
        Assert.Equal("dead", dead.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PutAsJsonAsync(new Uri("/aliases/x7g2@mask.example.com/status", UriKind.Relative), new { status = "zombie" })).StatusCode);
    }

    [Fact]
    public async Task Without_a_token_the_api_refuses_to_listen_beyond_loopback()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            RelayFixture.StartAsync(new() { ["MailTumble:Api:Listen"] = "0.0.0.0:0" }));
        Assert.Contains("MailTumble:Api:Token", error.Message, StringComparison.Ordinal);
    }
}
