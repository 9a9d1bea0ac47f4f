using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace MailTumble.Tests;

/// <summary>The relay's OpenAPI document (<c>GET /openapi/v1.json</c>), read over real HTTP on loopback.</summary>
public sealed class OpenApiDocumentTests
{
    private const string Token = "s3cret";

    /// <summary>The operations that answer without the token: the health check, and SNS (which signs its messages instead).</summary>
    private static readonly string[] Open = ["GET /healthz", "POST /feedback/sns"];

    [Fact]
    public async Task Every_response_with_a_body_has_a_schema_and_the_bearer_scheme_covers_the_protected_operations()
    {
        await using var relay = await RelayFixture.StartAsync(new() { ["MailTumble:Api:Token"] = Token });
        using var http = new HttpClient { BaseAddress = new Uri(relay.ApiBase) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var document = JsonDocument.Parse(await http.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        var root = document.RootElement;

        var scheme = root.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer");
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
        var schemas = root.GetProperty("components").GetProperty("schemas");

        var operations = Operations(root).ToList();
        Assert.True(operations.Count >= 23, $"the document lists {operations.Count} operations");
        var missing = new List<string>();
        var open = new List<string>();
        foreach (var (method, path, operation) in operations)
        {
            var name = $"{method} {path}";
            var responses = operation.GetProperty("responses").EnumerateObject().ToList();
            if (!responses.Any(r => r.Name.StartsWith('2')))
            {
                missing.Add($"{name}: no success response");
            }

            foreach (var response in responses)
            {
                var hasContent = response.Value.TryGetProperty("content", out var content) && content.EnumerateObject().Any();
                if (response.Name is "201" or "204")
                {
                    // Created (the Location says where) and No Content have no body.
                    if (hasContent)
                    {
                        missing.Add($"{name} {response.Name}: a body on a response that has none");
                    }

                    continue;
                }

                if (!hasContent)
                {
                    missing.Add($"{name} {response.Name}: no content");
                    continue;
                }

                foreach (var media in content.EnumerateObject())
                {
                    if (Problem(media.Value, schemas) is { } problem)
                    {
                        missing.Add($"{name} {response.Name} {media.Name}: {problem}");
                    }
                }
            }

            var secured = operation.TryGetProperty("security", out var security)
                && security.EnumerateArray().Any(requirement => requirement.TryGetProperty("bearer", out _));
            if (!secured)
            {
                open.Add(name);
            }
        }

        Assert.Empty(missing);
        Assert.Equal(Open, open.Order(StringComparer.Ordinal));

        // The document says what the token check does: without the token, a protected operation answers 401, an open one does not.
        using var anonymous = new HttpClient { BaseAddress = new Uri(relay.ApiBase) };
        foreach (var (method, path, _) in operations)
        {
            var target = path.Replace("{address}", "x%40mask.example.com", StringComparison.Ordinal)
                .Replace("{id}", "none", StringComparison.Ordinal)
                .Replace("{sender}", "s%40example.org", StringComparison.Ordinal);
            using var response = await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), new Uri(target, UriKind.Relative)));
            Assert.True(
                (response.StatusCode == HttpStatusCode.Unauthorized) != Open.Contains($"{method} {path}"),
                $"{method} {target} without the token answered {(int)response.StatusCode}");
        }
    }

    private static IEnumerable<(string Method, string Path, JsonElement Operation)> Operations(JsonElement root)
    {
        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            foreach (var item in path.Value.EnumerateObject().Where(p => p.Name is "get" or "put" or "post" or "patch" or "delete"))
            {
                yield return (item.Name.ToUpperInvariant(), path.Name, item.Value);
            }
        }
    }

    /// <summary>What is wrong with a media type's schema (none, empty, or a reference to no schema); null when it names one.</summary>
    private static string? Problem(JsonElement media, JsonElement schemas)
    {
        if (!media.TryGetProperty("schema", out var schema) || schema.ValueKind != JsonValueKind.Object || !schema.EnumerateObject().Any())
        {
            return "no schema";
        }

        if (schema.TryGetProperty("$ref", out var reference))
        {
            const string prefix = "#/components/schemas/";
            var target = reference.GetString() ?? string.Empty;
            return target.StartsWith(prefix, StringComparison.Ordinal) && schemas.TryGetProperty(target[prefix.Length..], out _)
                ? null : $"a reference to no schema ({target})";
        }

        if (schema.TryGetProperty("items", out var items) && items.TryGetProperty("$ref", out _))
        {
            return Problem(JsonDocument.Parse($"{{\"schema\":{items.GetRawText()}}}").RootElement, schemas);
        }

        return null;
    }
}
