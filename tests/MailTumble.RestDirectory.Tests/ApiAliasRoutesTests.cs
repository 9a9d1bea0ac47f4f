using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace MailTumble.RestDirectory.Tests;

/// <summary>The alias routes of MailTumble's API, over real HTTP.</summary>
public sealed class ApiAliasRoutesTests : IAsyncLifetime
{
    private MailTumbleApiServer _server = null!;

    public async Task InitializeAsync() => _server = await MailTumbleApiServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("GET", "aliases/x%40mask.example.com")]
    [InlineData("GET", "aliases")]
    [InlineData("DELETE", "aliases/x%40mask.example.com")]
    [InlineData("GET", "openapi/v1.json")]
    public async Task Every_route_wants_the_token(string method, string path)
    {
        using var anonymous = _server.Client(token: null);
        using var wrong = _server.Client(token: "nope");
        using var none = await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        using var bad = await wrong.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (none.StatusCode, bad.StatusCode));
    }

    [Fact]
    public async Task The_lookup_serves_the_original_contract()
    {
        using var client = _server.Client();
        using var created = await client.PutAsJsonAsync("aliases/X7G2%40mask.example.com", new { email = "John@real.example.org" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var updated = await client.PutAsJsonAsync("aliases/x7g2%40mask.example.com", new { target = "mary@real.example.org" });
        Assert.Equal(HttpStatusCode.NoContent, updated.StatusCode);

        using var document = JsonDocument.Parse(await client.GetStringAsync("aliases/x7g2@mask.example.com"));
        var root = document.RootElement;
        // The original contract: 'alias' is where mail goes (the README), and so is 'email' (the original code).
        Assert.Equal("mary@real.example.org", root.GetProperty("alias").GetString());
        Assert.Equal("mary@real.example.org", root.GetProperty("email").GetString());
        Assert.Equal("x7g2@mask.example.com", root.GetProperty("address").GetString());
        Assert.Equal("active", root.GetProperty("status").GetString());
        Assert.Equal(0, root.GetProperty("count_bounce").GetInt32());
        Assert.Equal(0, root.GetProperty("count_complaint").GetInt32());
        Assert.Equal(0, root.GetProperty("count_delivery").GetInt32());
        Assert.False(root.GetProperty("optout").GetBoolean());

        using var dead = await client.PutAsJsonAsync("aliases/x7g2%40mask.example.com/status", new { status = "dead" });
        Assert.Equal(HttpStatusCode.NoContent, dead.StatusCode);
        using var after = JsonDocument.Parse(await client.GetStringAsync("aliases/x7g2@mask.example.com"));
        Assert.Equal("dead", after.RootElement.GetProperty("status").GetString());

        using var deleted = await client.DeleteAsync("aliases/x7g2%40mask.example.com");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await client.GetAsync("aliases/x7g2@mask.example.com");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        using var again = await client.DeleteAsync("aliases/x7g2%40mask.example.com");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Theory]
    [InlineData("GET", "aliases/not-an-address", null, "Invalid address")]
    [InlineData("GET", "aliases/%22quoted%22%40mask.example.com", null, "Invalid address")]
    [InlineData("PUT", "aliases/x%40mask.example.com", "{\"email\": ", "Invalid body")]
    [InlineData("PUT", "aliases/x%40mask.example.com", "[1,2]", "Invalid body")]
    [InlineData("PUT", "aliases/x%40mask.example.com", "{\"email\": \"nope\"}", "Invalid target")]
    [InlineData("PUT", "aliases/x%40mask.example.com/status", "{\"status\": \"zombie\"}", "Invalid status")]
    [InlineData("PUT", "aliases/x%40mask.example.com/status", "{\"status\": \"3\"}", "Invalid status")]
    [InlineData("GET", "aliases?limit=0", null, "Invalid limit")]
    public async Task Malformed_requests_get_400_with_a_problem_description(string method, string path, string? body, string title)
    {
        using var client = _server.Client();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(title, problem.RootElement.GetProperty("title").GetString());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task A_client_written_for_the_original_contract_reads_the_target_from_alias()
    {
        // Such a client reads 'alias' and nothing else and forwards there; given the mask back, it would loop.
        using var admin = _server.Client();
        using var put = await admin.PutAsJsonAsync("aliases/x7g2%40mask.example.com", new { email = "john@real.example.org" });
        put.EnsureSuccessStatusCode();

        using var seedClient = _server.Client();
        using var answer = await seedClient.GetAsync("aliases/" + Uri.EscapeDataString("x7g2@mask.example.com"));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var redirectTo = (await answer.Content.ReadFromJsonAsync<OriginalClientView>())!.Alias;
        Assert.Equal("john@real.example.org", redirectTo);
    }

    [Fact]
    public async Task Aliases_list_in_pages_with_a_cursor()
    {
        using var client = _server.Client();
        foreach (var name in new[] { "c", "a", "e", "b", "d" })
        {
            using var put = await client.PutAsJsonAsync($"aliases/{name}%40mask.example.com", new { email = "john@real.example.org" });
            put.EnsureSuccessStatusCode();
        }

        var first = JsonDocument.Parse(await client.GetStringAsync("aliases?limit=3")).RootElement;
        Assert.Equal(["a@mask.example.com", "b@mask.example.com", "c@mask.example.com"], first.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("address").GetString()));
        var cursor = first.GetProperty("next_cursor").GetString();
        var second = JsonDocument.Parse(await client.GetStringAsync("aliases?limit=3&cursor=" + Uri.EscapeDataString(cursor!))).RootElement;
        Assert.Equal(["d@mask.example.com", "e@mask.example.com"], second.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("address").GetString()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next_cursor").ValueKind);
        var prefixed = JsonDocument.Parse(await client.GetStringAsync("aliases?prefix=d")).RootElement;
        Assert.Single(prefixed.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task The_openapi_document_describes_the_alias_routes()
    {
        using var client = _server.Client();
        using var document = JsonDocument.Parse(await client.GetStringAsync("openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/aliases/{address}", out var alias));
        Assert.True(alias.TryGetProperty("get", out _));
        Assert.True(alias.TryGetProperty("put", out _));
        Assert.True(alias.TryGetProperty("delete", out _));
        Assert.True(paths.TryGetProperty("/aliases/{address}/status", out _));
        Assert.True(paths.TryGetProperty("/aliases", out _));
    }

    /// <summary>What a client of the original contract deserialises: the one property it reads.</summary>
    private sealed record OriginalClientView([property: System.Text.Json.Serialization.JsonPropertyName("alias")] string? Alias);
}
