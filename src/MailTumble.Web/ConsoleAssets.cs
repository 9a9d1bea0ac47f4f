using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace MailTumble.Web;

/// <summary>
/// The console's CSS and scripts, embedded in this assembly at build time (the chart library from the npm
/// registry, the console's own files from Assets/) and served from memory with an ETag.
/// </summary>
internal static class ConsoleAssets
{
    private const string ResourcePrefix = "assets/";

    private static readonly FrozenDictionary<string, Asset> Files = Load();

    /// <summary>A short hash of every asset, appended to their URLs so a new build is never served from a stale cache.</summary>
    public static string Version { get; } = Convert.ToHexString(SHA256.HashData(Files.Values.SelectMany(a => a.Bytes).ToArray()))[..12].ToLowerInvariant();

    public static string Url(string name) => $"{ConsolePaths.Assets}/{name}?v={Version}";

    public static IEndpointRouteBuilder MapConsoleAssets(this IEndpointRouteBuilder app)
    {
        app.MapGet(ConsolePaths.Assets + "/{name}", (string name, HttpContext context) =>
        {
            if (!Files.TryGetValue(name, out var asset))
            {
                return Results.NotFound();
            }

            if (context.Request.Headers.IfNoneMatch.Contains(asset.ETag))
            {
                return Results.StatusCode(StatusCodes.Status304NotModified);
            }

            context.Response.Headers.ETag = asset.ETag;
            return Results.Bytes(asset.Bytes, asset.ContentType);
        }).ExcludeFromDescription();
        return app;
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var files = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var name = resource[ResourcePrefix.Length..];
            files[name] = new Asset(bytes, ContentType(name), $"\"{Convert.ToHexString(SHA256.HashData(bytes))[..16]}\"");
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    };

    private sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}
