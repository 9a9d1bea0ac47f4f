using MailTumble.Core.Aliases;
using MailTumble.Core.Sending;
using MailTumble.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MailTumble.Files;

/// <summary>Registers the file-based adapters.</summary>
public static class FilesServiceCollectionExtensions
{
    /// <summary>Adds the key files on disk (<see cref="IKeyFiles"/>: bounce, reply and DKIM keys).</summary>
    public static IServiceCollection AddMailTumbleKeyFiles(this IServiceCollection services)
    {
        services.TryAddSingleton<IKeyFiles, KeyFiles>();
        return services;
    }

    /// <summary>
    /// Adds the file raw store (<see cref="IRawStore"/>); with <paramref name="serviceKey"/>, as a keyed service that
    /// another store keeps its large messages in rather than as the port itself.
    /// </summary>
    public static IServiceCollection AddMailTumbleFileRawStore(this IServiceCollection services, Action<FileStoreOptions> configure, string? serviceKey = null)
    {
        services.AddOptions<FileStoreOptions>().Configure(configure).ValidateDataAnnotations().ValidateOnStart();
        if (serviceKey is null)
        {
            services.AddSingleton<IRawStore, FileRawStore>();
        }
        else
        {
            services.AddKeyedSingleton<IRawStore, FileRawStore>(serviceKey);
        }

        return services;
    }

    /// <summary>Adds the read-only <c>map</c> <see cref="IAliasDirectory"/> over a JSON or YAML file.</summary>
    public static IServiceCollection AddMailTumbleMapDirectory(this IServiceCollection services, Action<MapFileOptions> configure)
    {
        services.AddOptions<MapFileOptions>().Configure(configure).ValidateDataAnnotations()
            .Validate(o => string.IsNullOrEmpty(o.Path) || File.Exists(o.Path), "MailTumble:Directory:Map:Path names a file that does not exist")
            .ValidateOnStart();
        services.AddSingleton<IAliasDirectory, MapAliasDirectory>();
        return services;
    }

    /// <summary>Adds the outbox directory (<see cref="FileStoreOptions.OutboxDirectory"/>) as the <see cref="IMailSender"/>.</summary>
    public static IServiceCollection AddMailTumbleOutboxSender(this IServiceCollection services, Action<FileStoreOptions> configure)
    {
        services.AddOptions<FileStoreOptions>().Configure(configure).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IMailSender, OutboxSender>();
        return services;
    }
}
