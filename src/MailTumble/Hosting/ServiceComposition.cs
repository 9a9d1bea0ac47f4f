using MailTumble.Core;
using MailTumble.Core.Directory;
using MailTumble.Files;
using MailTumble.Smtp;
using MailTumble.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

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
            rewrite => root.GetSection("Rewrite").Bind(rewrite),
            delivery => root.GetSection("Outbound").Bind(delivery));
        services.AddMailTumbleSqlite(o =>
        {
            o.DatabasePath = Path.Combine(dataDir, "mailtumble.db");
            root.GetSection("Sqlite").Bind(o);
        });
        services.AddMailTumbleSqliteDirectory();
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
}
