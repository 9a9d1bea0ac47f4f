using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MailTumble.Tests;

/// <summary>
/// A small server speaking the original REST directory contract on loopback (no MailTumble code):
/// <c>GET /prod/aliases/{address}</c> with a bearer token, answers from <see cref="Targets"/>, optionally late.
/// </summary>
internal sealed class TestRestDirectory : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _hits;

    private TestRestDirectory(WebApplication app, string token)
    {
        _app = app;
        Token = token;
    }

    public string Token { get; }

    /// <summary>Alias → target, lower case.</summary>
    public ConcurrentDictionary<string, string> Targets { get; } = new(StringComparer.Ordinal);

    /// <summary>How long each answer waits (zero: at once).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Every raw request target as it arrived.</summary>
    public ConcurrentQueue<string> RawTargets { get; } = new();

    public int Hits => Volatile.Read(ref _hits);

    /// <summary>The base URL, as <c>API_URL</c> would name it.</summary>
    public string Url { get; private set; } = null!;

    public static async Task<TestRestDirectory> StartAsync(string token, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var directory = new TestRestDirectory(app, token);
        app.Run(directory.HandleAsync);
        await app.StartAsync();
        directory.Url = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First() + "/prod";
        return directory;
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _hits);
        RawTargets.Enqueue(context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget);
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        const string prefix = "/prod/aliases/";
        var path = context.Request.Path.Value ?? string.Empty;
        if (context.Request.Headers.Authorization != "Bearer " + Token)
        {
            context.Response.StatusCode = 401;
            return;
        }

        if (!path.StartsWith(prefix, StringComparison.Ordinal) || !Targets.TryGetValue(path[prefix.Length..], out var target))
        {
            context.Response.StatusCode = 404;
            return;
        }

        await context.Response.WriteAsJsonAsync(new { email = target, count_bounce = 0, count_complaint = 0, optout = false }, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
