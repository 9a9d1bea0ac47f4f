using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MailTumble.Hosting;
using MailTumble.Testing;

namespace MailTumble.Tests;

/// <summary>Read-only drivers (map, rest) through the API and the CLI, and the lookup route while the relay's own directory is down.</summary>
public sealed class ReadOnlyDirectoryTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public static TheoryData<string, string, string?> Changes => new()
    {
        { "PUT", "/aliases/x7g2%40mask.example.com", "{\"email\": \"john@real.example.org\"}" },
        { "DELETE", "/aliases/x7g2%40mask.example.com", null },
        { "PUT", "/aliases/x7g2%40mask.example.com/status", "{\"status\": \"dead\"}" },
        { "GET", "/aliases?prefix=x", null },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task The_api_answers_405_naming_the_read_only_map_directory(string method, string path, string? body)
    {
        var map = Path.Combine(_dir.Path, "aliases.yaml");
        await File.WriteAllTextAsync(map, "aliases:\n  x7g2@mask.example.com: john@real.example.org\n");
        await using var relay = await RelayFixture.StartAsync(new() { ["MailTumble:Directory:Driver"] = "map", ["MailTumble:Directory:Map:Path"] = map });
        await AssertReadOnlyAsync(relay, method, path, body);

        // Lookups still work, and the file is untouched.
        using var http = new HttpClient { BaseAddress = new Uri(relay.ApiBase) };
        using var found = await http.GetAsync(new Uri("/aliases/x7g2%40mask.example.com", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        Assert.Equal("aliases:\n  x7g2@mask.example.com: john@real.example.org\n", await File.ReadAllTextAsync(map));
    }

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task The_api_answers_405_naming_the_read_only_rest_directory(string method, string path, string? body)
    {
        await using var directory = await TestRestDirectory.StartAsync("t0ken");
        await using var relay = await RelayFixture.StartAsync(new()
        {
            ["MailTumble:Domains:0"] = "mask.example.com",
            ["MailTumble:Directory:Driver"] = "rest",
            ["MailTumble:Directory:Rest:Url"] = directory.Url,
            ["MailTumble:Directory:Rest:Token"] = "t0ken",
        });
        await AssertReadOnlyAsync(relay, method, path, body);
        Assert.Equal(0, directory.Hits);
    }

    [Fact]
    public async Task The_cli_says_in_one_line_that_the_map_directory_is_read_only()
    {
        var map = Path.Combine(_dir.Path, "aliases.yaml");
        await File.WriteAllTextAsync(map, "aliases:\n  x7g2@mask.example.com: john@real.example.org\n");
        var configuration = MailTumbleConfiguration.Build(new Dictionary<string, string?>
        {
            ["MailTumble:DataDir"] = _dir.Path,
            ["MailTumble:Directory:Driver"] = "map",
            ["MailTumble:Directory:Map:Path"] = map,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await MailTumbleCli.RunAsync(["alias", "add", "new@mask.example.com", "jane@real.example.org"], output, error, () => new MemoryStream(), configuration);

        Assert.NotEqual(0, code);
        Assert.Equal(string.Empty, output.ToString());
        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal("mailtumble: the configured alias directory (MailTumble:Directory:Driver) is read-only; change its source instead", line);
        Assert.DoesNotContain("new@mask.example.com", await File.ReadAllTextAsync(map), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_lookup_route_answers_503_while_the_directory_is_down_so_a_downstream_relay_answers_451()
    {
        // Relay A uses a REST directory on a port where nothing listens yet.
        var upstreamPort = TestSmtpSink.FreePort();
        await using var a = await RelayFixture.StartAsync(new()
        {
            ["MailTumble:Api:Token"] = "a-token",
            ["MailTumble:Domains:0"] = "mask.example.com",
            ["MailTumble:Directory:Driver"] = "rest",
            ["MailTumble:Directory:Rest:Url"] = $"http://127.0.0.1:{upstreamPort}/prod",
            ["MailTumble:Directory:Rest:Token"] = "t0ken",
        });
        using var http = new HttpClient { BaseAddress = new Uri(a.ApiBase) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", "a-token");
        using (var down = await http.GetAsync(new Uri("/aliases/x7g2%40mask.example.com", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.Equal("application/problem+json", down.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await down.Content.ReadAsStringAsync());
            Assert.Equal("Directory unavailable", problem.RootElement.GetProperty("title").GetString());
        }

        // Relay B uses relay A's API as its REST directory: A's outage is a 451 at B's RCPT, never a 550.
        await using var b = await RelayFixture.StartAsync(new()
        {
            ["MailTumble:Domains:0"] = "mask.example.com",
            ["MailTumble:Directory:Driver"] = "rest",
            ["MailTumble:Directory:Rest:Url"] = a.ApiBase,
            ["MailTumble:Directory:Rest:Token"] = "a-token",
        });
        Assert.StartsWith("451 4.3.0", await RcptAsync(b.SmtpPort), StringComparison.Ordinal);

        // A's directory comes back: B accepts.
        await using var upstream = await TestRestDirectory.StartAsync("t0ken", upstreamPort);
        upstream.Targets["x7g2@mask.example.com"] = "john@real.example.org";
        Assert.StartsWith("250", await RcptAsync(b.SmtpPort), StringComparison.Ordinal);
        Assert.StartsWith("550", await RcptAsync(b.SmtpPort, "nobody@mask.example.com"), StringComparison.Ordinal);
    }

    private static async Task AssertReadOnlyAsync(RelayFixture relay, string method, string path, string? body)
    {
        using var http = new HttpClient { BaseAddress = new Uri(relay.ApiBase) };
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(405, problem.GetProperty("status").GetInt32());
        Assert.Equal("Read-only directory", problem.GetProperty("title").GetString());
        Assert.Contains("MailTumble:Directory:Driver", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("read-only", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static async Task<string?> RcptAsync(int port, string recipient = "x7g2@mask.example.com")
    {
        await using var smtp = await SmtpWireClient.ConnectAsync(port);
        await smtp.ReadReplyAsync();
        await smtp.CommandAsync("EHLO sender.example");
        await smtp.CommandAsync("MAIL FROM:<alice@sender.example>");
        var reply = await smtp.CommandAsync($"RCPT TO:<{recipient}>");
        await smtp.CommandAsync("QUIT");
        return reply;
    }

    public void Dispose() => _dir.Dispose();
}
