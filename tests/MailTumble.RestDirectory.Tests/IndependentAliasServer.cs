using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MailTumble.RestDirectory.Tests;

/// <summary>
/// A minimal server that speaks the original contract as the seed's API did (no MailTumble code):
/// it answers from a dictionary, records the raw request target, and can misbehave on demand.
/// </summary>
public sealed class IndependentAliasServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _hits;

    private IndependentAliasServer(WebApplication app) => _app = app;

    public const string Token = "independent-token";

    public enum Behaviour
    {
        Normal,
        Error500,
        Slow,
        Malformed,
        NoTarget,
    }

    /// <summary>Documents served, keyed by lower-case address; values are the JSON objects to return.</summary>
    public ConcurrentDictionary<string, object> Documents { get; } = new(StringComparer.Ordinal);

    /// <summary>Every raw request target, exactly as it arrived on the wire.</summary>
    public ConcurrentQueue<string> RawTargets { get; } = new();

    public ConcurrentQueue<string> Authorizations { get; } = new();

    public Behaviour Mode { get; set; } = Behaviour.Normal;

    public TimeSpan SlowDelay { get; set; } = TimeSpan.FromSeconds(3);

    public int Hits => Volatile.Read(ref _hits);

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<IndependentAliasServer> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var server = new IndependentAliasServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First() + "/prod");
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _hits);
        var raw = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        RawTargets.Enqueue(raw);
        Authorizations.Enqueue(context.Request.Headers.Authorization.ToString());
        if (context.Request.Headers.Authorization != "Bearer " + Token)
        {
            context.Response.StatusCode = 401;
            return;
        }

        switch (Mode)
        {
            case Behaviour.Error500:
                context.Response.StatusCode = 500;
                return;
            case Behaviour.Slow:
                await Task.Delay(SlowDelay, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                break;
            case Behaviour.Malformed:
                await context.Response.WriteAsync("{\"email\": \"john@real.exa", context.RequestAborted);
                return;
            case Behaviour.NoTarget:
                await context.Response.WriteAsJsonAsync(new { count_bounce = 0 }, context.RequestAborted);
                return;
        }

        // The original API: /prod/aliases/{address}; the address must be one escaped segment.
        const string prefix = "/prod/aliases/";
        var segment = raw.StartsWith(prefix, StringComparison.Ordinal) ? raw[prefix.Length..] : null;
        if (segment is null || segment.Contains('/', StringComparison.Ordinal) || segment.Contains('?', StringComparison.Ordinal) || segment.Contains('#', StringComparison.Ordinal))
        {
            context.Response.StatusCode = 400;
            return;
        }

        if (!Documents.TryGetValue(Uri.UnescapeDataString(segment), out var document))
        {
            context.Response.StatusCode = 404;
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(document), context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
