using MailTumble.Aws;
using MailTumble.Core;
using MailTumble.Core.Directory;
using MailTumble.Files;
using MailTumble.Http;
using MailTumble.Smtp;
using MailTumble.Sql;
using MailTumble.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailTumble.Hosting;

/// <summary>Picks the backends from configuration and composes the relay. Only the host does this.</summary>
internal static class ServiceComposition
{
    public static IServiceCollection AddMailTumbleRelay(this IServiceCollection services, IConfiguration configuration)
    {
        var root = configuration.GetSection("MailTumble");
        var dataDir = MailTumbleConfiguration.DataDir(configuration);

        services.AddMailTumbleCore(
            receive => root.Bind(receive),
            rewrite =>
            {
                rewrite.BounceKeyFile = Path.Combine(dataDir, "bounce.key");
                root.GetSection("Rewrite").Bind(rewrite);
            },
            delivery => root.GetSection("Outbound").Bind(delivery),
            moderation => root.GetSection("Moderation").Bind(moderation));
        services.AddMailTumbleSqlite(o =>
        {
            o.DatabasePath = Path.Combine(dataDir, "mailtumble.db");
            root.GetSection("Sqlite").Bind(o);
        });
        services.AddMailTumbleDirectory(root);
        services.AddMailTumbleDirectoryCache(o => root.GetSection("Directory:Cache").Bind(o));
        services.AddMailTumbleFileRawStore(o =>
        {
            o.RawDirectory = Path.Combine(dataDir, "raw");
            o.OutboxDirectory = Path.Combine(dataDir, "outbox");
        });

        if (string.IsNullOrWhiteSpace(root["Outbound:Smtp:Host"]))
        {
            services.AddMailTumbleOutboxSender();
        }
        else
        {
            services.AddMailTumbleSmtpSender(o => root.GetSection("Outbound:Smtp").Bind(o));
        }

        return services;
    }

    /// <summary>The directory drivers by their <c>MailTumble:Directory:Driver</c> name.</summary>
    public static readonly IReadOnlyList<string> DirectoryDrivers = ["sqlite", "map", "rest", "dynamodb", "mysql", "postgres"];

    private static void AddMailTumbleDirectory(this IServiceCollection services, IConfigurationSection root)
    {
        var directory = root.GetSection("Directory");
        var driver = (directory["Driver"] is { Length: > 0 } d ? d : "sqlite").Trim().ToLowerInvariant();
        switch (driver)
        {
            case "sqlite":
                services.AddMailTumbleSqliteDirectory();
                break;
            case "map":
                services.AddMailTumbleMapDirectory(o => directory.GetSection("Map").Bind(o));
                break;
            case "rest":
                services.AddMailTumbleRestDirectory(o => directory.GetSection("Rest").Bind(o));
                break;
            case "dynamodb":
                services.AddMailTumbleDynamoDbDirectory(o =>
                {
                    o.Region = root["Aws:Region"];
                    o.ServiceUrl = root["Aws:DynamoDbServiceUrl"];
                    directory.GetSection("DynamoDb").Bind(o);
                });
                break;
            case "mysql" or "postgres":
                services.AddMailTumbleSqlDirectory(driver == "mysql" ? SqlEngine.MySql : SqlEngine.Postgres, o =>
                {
                    o.ConnectionString = directory["ConnectionString"];
                    directory.GetSection("Sql").Bind(o);
                });
                break;
            default:
                throw new OptionsValidationException("MailTumble:Directory:Driver", typeof(string),
                    [$"MailTumble:Directory:Driver is '{directory["Driver"]}'; expected one of: {string.Join(", ", DirectoryDrivers)}"]);
        }
    }
}
