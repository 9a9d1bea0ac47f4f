using System.Net;
using MailTumble.Api;
using MailTumble.Core.Aliases;
using MailTumble.Sqlite;
using MailTumble.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MailTumble.RestDirectory.Tests;

/// <summary>MailTumble's own HTTP API over an embedded SQLite directory, on a free loopback port (real Kestrel).</summary>
public sealed class MailTumbleApiServer : IAsyncDisposable
{
    private readonly TempDirectory _dir;
    private readonly WebApplication _app;

    private MailTumbleApiServer(WebApplication app, TempDirectory dir)
    {
        _app = app;
        _dir = dir;
    }

    public const string Token = "s3cret-token";

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Every request's method and raw target, exactly as it arrived on the wire.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<(string Method, string RawTarget)> Requests { get; } = new();

    public IServiceProvider Services => _app.Services;

    public static async Task<MailTumbleApiServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var dir = new TempDirectory();
        builder.Services.AddSingleton(TimeProvider.System);
        Action<SqliteOptions> database = o => o.DatabasePath = Path.Combine(dir.Path, "api.db");
        builder.Services.AddMailTumbleSqliteDatabase(database);
        builder.Services.AddMailTumbleSqliteQueue();
        builder.Services.AddMailTumbleSqliteModeration();
        builder.Services.AddMailTumbleSqliteFeedback();
        builder.Services.AddMailTumbleSqliteDirectory(database);
        builder.Services.AddMailTumbleDirectoryCache(_ => { });
        builder.Services.AddMailTumbleApi();
        var app = builder.Build();
        var server = new MailTumbleApiServer(app, dir);
        app.Use((context, next) =>
        {
            server.Requests.Enqueue((context.Request.Method, context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget));
            return next(context);
        });
        app.UseMailTumbleApi(Token);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        server.BaseAddress = new Uri(address);
        return server;
    }

    /// <summary>A client that sends the bearer token.</summary>
    public HttpClient Client(string? token = Token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _dir.Dispose();
    }
}
