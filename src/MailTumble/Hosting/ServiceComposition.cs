using MailTumble.Aws;
using MailTumble.Core;
using MailTumble.Core.Aliases;
using MailTumble.Core.Feedback;
using MailTumble.Files;
using MailTumble.RestDirectory;
using MailTumble.Smtp;
using MailTumble.Sql;
using MailTumble.Sqlite;
using MailTumble.Webhooks;
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
            receive =>
            {
                root.Bind(receive);
                foreach (var domain in DomainSettings.Named(root))
                {
                    receive.Domains.Add(domain);
                }
            },
            rewrite =>
            {
                rewrite.BounceKeyFile = Path.Combine(dataDir, "bounce.key");
                root.GetSection("Rewrite").Bind(rewrite);
            },
            delivery => root.GetSection("Outbound").Bind(delivery),
            moderation => root.GetSection("Moderation").Bind(moderation),
            reply =>
            {
                reply.KeyFile = Path.Combine(dataDir, "reply.key");
                root.GetSection("Reply").Bind(reply);
            },
            dkim => BindDkim(root, dataDir, dkim));
        services.AddMailTumbleKeyFiles();
        services.AddMailTumbleFairness(o => root.GetSection("Fairness").Bind(o));
        switch (Backend(root))
        {
            case "aws":
                services.AddMailTumbleAws(root, dataDir);
                break;
            case "postgres":
                services.AddMailTumblePostgres(root);
                break;
            default:
                services.AddMailTumbleEmbedded(root, dataDir);
                break;
        }

        services.AddMailTumbleDirectory(root, dataDir);
        services.AddMailTumbleDirectoryResilience(DirectoryDriver(root.GetSection("Directory")), o => BindResilience(root.GetSection("Directory"), o));
        services.AddMailTumbleDirectoryCache(o => root.GetSection("Directory:Cache").Bind(o));
        services.AddMailTumbleAliasOptions(o =>
        {
            o.MaxTargetsPerAlias = root.GetValue("MaxTargetsPerAlias", o.MaxTargetsPerAlias);
            o.SubAddressSeparator = root.GetValue("SubAddressSeparator", o.SubAddressSeparator) ?? string.Empty;
            DomainSettings.Bind(root, o.Domains);
        });
        services.AddMailTumbleFeedback(o => root.GetSection("Feedback").Bind(o));
        services.AddMailTumbleAwsFeedbackFormats();
        services.AddMailTumbleStatusWebhook();

        if (string.IsNullOrWhiteSpace(root["Outbound:Smtp:Host"]))
        {
            services.AddMailTumbleOutboxSender(o => o.OutboxDirectory = Path.Combine(dataDir, "outbox"));
        }
        else
        {
            services.AddMailTumbleSmtpSender(o => root.GetSection("Outbound:Smtp").Bind(o));
        }

        return services;
    }

    /// <summary><c>MailTumble:Dkim</c>, with the keys under <c>{DataDir}/dkim</c> unless <c>KeyDirectory</c> says otherwise.</summary>
    public static void BindDkim(IConfiguration root, string dataDir, Core.Signing.DkimOptions dkim)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(dkim);
        dkim.KeyDirectory = Path.Combine(dataDir, "dkim");
        root.GetSection("Dkim").Bind(dkim);
    }

    /// <summary>
    /// The backend family: <c>MailTumble:Backend</c> (<c>embedded</c>, <c>aws</c>, <c>postgres</c>), or when it is unset
    /// <c>aws</c> if the seed's <c>QUEUE_URL</c> and <c>S3_BUCKET_NAME</c> are both present, else <c>embedded</c>.
    /// </summary>
    public static string Backend(IConfiguration root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var name = root["Backend"]?.Trim().ToLowerInvariant();
        return name switch
        {
            null or "" => !string.IsNullOrWhiteSpace(root["Aws:QueueUrl"]) && !string.IsNullOrWhiteSpace(root["Aws:S3BucketName"]) ? "aws" : "embedded",
            _ when BackendFamilies.Names.Contains(name) => name,
            _ => throw new OptionsValidationException("MailTumble:Backend", typeof(string),
                [$"MailTumble:Backend is '{root["Backend"]}'; expected one of: {string.Join(", ", BackendFamilies.Names)}"]),
        };
    }

    /// <summary>Whether the AWS family is selected.</summary>
    public static bool IsAws(IConfiguration root) => Backend(root) == "aws";

    /// <summary>The directory drivers by their <c>MailTumble:Directory:Driver</c> name.</summary>
    public static readonly IReadOnlyList<string> DirectoryDrivers = ["sqlite", "map", "rest", "dynamodb", "mysql", "postgres"];

    /// <summary>
    /// <c>MailTumble:Directory:Driver</c>; when it is unset, the seed's <c>API_URL</c> selects <c>rest</c> (as its
    /// <c>QUEUE_URL</c> + <c>S3_BUCKET_NAME</c> select AWS), otherwise <c>sqlite</c>.
    /// </summary>
    public static string DirectoryDriver(IConfiguration directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        return directory["Driver"] is { } named && !string.IsNullOrWhiteSpace(named) ? named.Trim().ToLowerInvariant()
            : !string.IsNullOrWhiteSpace(directory["Rest:Url"]) ? "rest"
            : "sqlite";
    }

    /// <summary>
    /// <c>MailTumble:Directory:Resilience</c>, the policy around every driver. The names the drivers had before it was shared
    /// still work for their driver: <c>:Rest:Timeout</c> and <c>:Rest:Breaker*</c> (rest), <c>:Sql:Timeout</c> (mysql,
    /// postgres), <c>:DynamoDb:Timeout</c> (dynamodb); a value under <c>Resilience</c> wins over them.
    /// </summary>
    internal static void BindResilience(IConfigurationSection directory, DirectoryResilienceOptions options)
    {
        var older = DirectoryDriver(directory) switch
        {
            "rest" => "Rest",
            "mysql" or "postgres" => "Sql",
            "dynamodb" => "DynamoDb",
            _ => null,
        };
        string[] properties =
        [
            nameof(options.Timeout), nameof(options.BreakerFailureRatio), nameof(options.BreakerMinimumThroughput),
            nameof(options.BreakerSamplingDuration), nameof(options.BreakerBreakDuration),
        ];
        if (older is not null)
        {
            var section = directory.GetSection(older);
            foreach (var property in properties.Where(p => section[p] is not null))
            {
                options.Sources[property] = section.GetSection(property).Path;
            }

            section.Bind(options);
        }

        var current = directory.GetSection("Resilience");
        foreach (var property in properties.Where(p => current[p] is not null))
        {
            options.Sources.Remove(property);
        }

        current.Bind(options);
    }

    private static void AddMailTumbleDirectory(this IServiceCollection services, IConfigurationSection root, string dataDir)
    {
        var directory = root.GetSection("Directory");
        var driver = DirectoryDriver(directory);
        var ourDomains = (root.GetSection("Domains").Get<string[]>()?.Where(x => !string.IsNullOrWhiteSpace(x)) ?? []).Concat(DomainSettings.Named(root)).ToList();
        // One bounce limit for every driver: the feedback policy's (the drivers' own default is the original's 3).
        var bounceLimit = root.GetSection("Feedback").GetValue("MaxBounces", AliasRules.BounceLimit);
        switch (driver)
        {
            case "sqlite":
                services.AddMailTumbleSqliteDirectory(BackendFamilies.Sqlite(root, dataDir));
                break;
            case "map":
                services.AddMailTumbleMapDirectory(o =>
                {
                    directory.GetSection("Map").Bind(o);
                    // The 'user' and '@' rules apply on every domain we accept mail for, not only those the file names.
                    foreach (var domain in ourDomains)
                    {
                        o.Domains.Add(domain);
                    }
                });
                break;
            case "rest":
                services.AddMailTumbleRestDirectory(o =>
                {
                    directory.GetSection("Rest").Bind(o);
                    o.BounceLimit = bounceLimit;
                });
                // The API cannot say which domains are ours: without the list every domain would be looked up (an open door
                // to probing, and 550 where 554 relay denied is the answer).
                services.AddOptions<RestDirectoryOptions>().Validate(
                    _ => ourDomains.Count > 0,
                    "the rest directory (API_URL) cannot list domains, so set MailTumble:Domains (the domains we accept mail for), e.g. MailTumble__Domains__0=mask.example.com");
                break;
            case "dynamodb":
                services.AddMailTumbleDynamoDbDirectory(o =>
                {
                    o.Region = root["Aws:Region"];
                    o.ServiceUrl = root["Aws:DynamoDbServiceUrl"];
                    directory.GetSection("DynamoDb").Bind(o);
                    o.BounceLimit = bounceLimit;
                });
                break;
            case "mysql" or "postgres":
                services.AddMailTumbleSqlDirectory(driver == "mysql" ? SqlEngine.MySql : SqlEngine.Postgres, o =>
                {
                    o.ConnectionString = directory["ConnectionString"];
                    directory.GetSection("Sql").Bind(o);
                    o.BounceLimit = bounceLimit;
                });
                // A custom lookup reads someone else's schema, which has no 'domain' column for RCPT's "is this domain ours?".
                services.AddOptions<SqlDirectoryOptions>().Validate(
                    o => ourDomains.Count > 0 || string.IsNullOrWhiteSpace(o.LookupQuery) || !string.IsNullOrWhiteSpace(o.DomainQuery),
                    "MailTumble:Directory:Sql:LookupQuery is set, so set MailTumble:Domains (the domains we accept mail for) or MailTumble:Directory:Sql:DomainQuery (receives @domain, returns a row when the domain is ours)");
                break;
            default:
                throw new OptionsValidationException("MailTumble:Directory:Driver", typeof(string),
                    [$"MailTumble:Directory:Driver is '{directory["Driver"]}'; expected one of: {string.Join(", ", DirectoryDrivers)}"]);
        }
    }
}
