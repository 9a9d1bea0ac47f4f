using System.Net;
using MailTumble.Api;
using MailTumble.Core;
using MailTumble.Core.Delivery;
using MailTumble.Core.Sending;
using MailTumble.Smtp;
using MailTumble.Smtp.Inbound;
using MailTumble.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Hosting;

/// <summary>The long-running relay: SMTP listener, send-out stage and HTTP API in one process.</summary>
internal static class RelayHost
{
    public static WebApplication Build(IConfigurationRoot configuration, Action<IServiceCollection>? configureServices = null)
    {
        MailTumbleConfiguration.EnsureDataDir(configuration);
        // No file watching: configuration is read at start, and a watcher on the working directory would
        // see every message file the relay writes under ./data.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = Directory.GetCurrentDirectory(),
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);

        // A start-up failure is reported by the CLI as one line; the host's own stack trace adds nothing.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(45));

        var root = configuration.GetSection("MailTumble");
        builder.Services.AddMailTumbleRelay(configuration);
        builder.Services.AddMailTumbleSmtpListener(o => root.GetSection("Smtp").Bind(o));
        builder.Services.AddMailTumbleDelivery();
        builder.Services.AddMailTumbleLaneMonitor();
        builder.Services.AddMailTumbleHeldExpiry();
        configureServices?.Invoke(builder.Services);

        var api = new ApiOptions();
        root.GetSection("Api").Bind(api);
        builder.Services.AddMailTumbleApi();
        builder.Services.AddMailTumbleConsole(o => o.Token = api.Token);
        var endpoint = SmtpListenerService.ParseEndPointOrThrow(api.Listen, "MailTumble:Api:Listen");
        if (string.IsNullOrEmpty(api.Token) && !IPAddress.IsLoopback(endpoint.Address))
        {
            throw new OptionsValidationException("MailTumble:Api:Token", typeof(ApiOptions),
                [$"MailTumble:Api:Token is not set, so the API refuses to listen on {api.Listen}; set a token or listen on 127.0.0.1"]);
        }

        builder.WebHost.ConfigureKestrel(k => k.Listen(endpoint));

        var app = builder.Build();
        app.UseMailTumbleConsole();
        app.UseMailTumbleApi(api.Token, ConsolePaths.Owns);
        return app;
    }

    public static async Task<int> RunAsync(IConfigurationRoot configuration, TextWriter output)
    {
        await using var app = Build(configuration);
        try
        {
            await app.StartAsync().ConfigureAwait(false);
            await PrintBannerAsync(app, configuration, output).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (app.Services.GetService<SmtpListenerService>()?.BoundEndPoint is { IsFaulted: true } bound)
        {
            // The listener's bind failure stops the host, and start-up then only sees the cancellation: report the cause.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(bound.Exception!.GetBaseException());
        }

        await app.WaitForShutdownAsync().ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    private static string Storage(IConfiguration configuration, string dataDir)
    {
        var aws = configuration.GetSection("MailTumble:Aws");
        var family = ServiceComposition.Backend(configuration.GetSection("MailTumble"));
        if (family == "postgres")
        {
            var postgres = new Npgsql.NpgsqlConnectionStringBuilder(configuration["MailTumble:Postgres:ConnectionString"]);
            var where = $"PostgreSQL {postgres.Host}:{postgres.Port}/{postgres.Database}, schema {configuration["MailTumble:Postgres:Schema"] ?? "mailtumble"}";
            return BackendFamilies.PostgresRawStore(configuration.GetSection("MailTumble")) == "s3"
                ? $"{where} (queue and all state shared with the cluster's other nodes), raw messages in s3://{aws["S3BucketName"]}/{aws["S3KeyPrefix"]}"
                : $"{where} (queue, raw messages and all state shared with the cluster's other nodes)";
        }

        return family == "aws"
            ? $"queue {aws["QueueUrl"]}, raw messages in s3://{aws["S3BucketName"]}/{aws["S3KeyPrefix"]}, SES ingress {(string.IsNullOrWhiteSpace(aws["InboundQueueUrl"]) ? "off" : aws["InboundQueueUrl"])}"
            : $"{dataDir} (SQLite mailtumble.db, large raw messages in raw/)";
    }

    private static string SendRate(IConfiguration configuration, DeliveryOptions delivery) =>
        ServiceComposition.IsAws(configuration.GetSection("MailTumble")) && delivery.Workers > 1
            ? $"{delivery.MaxSendRate / delivery.Workers:0.##} per second (MAXIMUM_SEND_RATE {delivery.MaxSendRate:0.##} shared by {delivery.Workers} workers)"
            : ServiceComposition.Backend(configuration.GetSection("MailTumble")) == "postgres"
            ? $"{delivery.MaxSendRate:0.##} per second for the cluster, shared among its live nodes"
            : $"{delivery.MaxSendRate:0.##} per second";

    private static async Task PrintBannerAsync(WebApplication app, IConfiguration configuration, TextWriter output)
    {
        var services = app.Services;
        var smtp = services.GetRequiredService<IOptions<SmtpListenerOptions>>().Value;
        var bound = smtp.Enabled ? (await services.GetRequiredService<SmtpListenerService>().BoundEndPoint.ConfigureAwait(false)).ToString() : "off";
        var delivery = services.GetRequiredService<IOptions<DeliveryOptions>>().Value;
        var receive = services.GetRequiredService<IOptions<Core.Receiving.ReceiveOptions>>().Value;
        var sender = services.GetRequiredService<IMailSender>();
        var dataDir = MailTumbleConfiguration.DataDir(configuration);
        var server = services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>();
        var addresses = server.Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses;
        var api = addresses is { Count: > 0 } ? string.Join(", ", addresses) : "http://" + (configuration["MailTumble:Api:Listen"] ?? "127.0.0.1:8025");
        await output.WriteLineAsync($"""
            MailTumble is running.
              SMTP       {bound}
              HTTP API   {api}
              console    {api.Split(", ")[0].TrimEnd('/')}/{(string.IsNullOrEmpty(configuration["MailTumble:Api:Token"]) ? " (no token set: loopback only, no sign-in)" : " (sign in with MailTumble:Api:Token)")}
              data       {Storage(configuration, dataDir)}
              outbound   {sender.Describe()}
              domains    {(receive.Domains.Count == 0 ? "every domain that has an alias" : string.Join(", ", receive.Domains))}
              send rate  {SendRate(configuration, delivery)}
            Stop with Ctrl-C; accepted mail stays queued on disk.
            """).ConfigureAwait(false);
        await output.FlushAsync().ConfigureAwait(false);
    }
}
