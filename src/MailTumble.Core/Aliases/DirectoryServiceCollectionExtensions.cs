using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Aliases;

/// <summary>Puts the lookup cache in front of whichever directory driver was registered.</summary>
public static class DirectoryServiceCollectionExtensions
{
    /// <summary>
    /// Replaces the registered <see cref="IAliasDirectory"/> (and <see cref="IAliasAdmin"/>, when the driver
    /// is writable) with a <see cref="CachingAliasDirectory"/> over them. Call after the driver's registration.
    /// </summary>
    public static IServiceCollection AddMailTumbleDirectoryCache(this IServiceCollection services, Action<DirectoryCacheOptions> configure)
    {
        var directory = services.LastOrDefault(d => d.ServiceType == typeof(IAliasDirectory))
            ?? throw new InvalidOperationException("register an alias directory driver before its cache");
        var admin = services.LastOrDefault(d => d.ServiceType == typeof(IAliasAdmin));
        services.RemoveAll(typeof(IAliasDirectory));
        services.RemoveAll(typeof(IAliasAdmin));

        services.AddOptions<DirectoryCacheOptions>().Configure(configure).ValidateDataAnnotations()
            .Validate(o => o.NegativeTtl <= o.PositiveTtl, "MailTumble:Directory:Cache:NegativeTtl must not exceed MailTumble:Directory:Cache:PositiveTtl")
            .ValidateOnStart();
        services.AddSingleton(sp => new CachingAliasDirectory(
            (IAliasDirectory)Create(sp, directory),
            admin is null ? null : (IAliasAdmin)Create(sp, admin),
            sp.GetRequiredService<IOptions<DirectoryCacheOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IOptions<AliasOptions>>()));
        // The alias model (sub-addressing) sits on top, so its lookups of the entry it falls back to are cached too.
        services.AddSingleton(sp => new AliasAutoCreator(
            sp.GetRequiredService<CachingAliasDirectory>(),
            sp.GetService<IOptions<AliasOptions>>() ?? Options.Create(new AliasOptions()),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<AliasAutoCreator>>(),
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton<IAliasDirectory>(sp => new ResolvingAliasDirectory(
            sp.GetRequiredService<CachingAliasDirectory>(),
            sp.GetService<IOptions<AliasOptions>>() ?? Options.Create(new AliasOptions()),
            admin is null ? null : sp.GetRequiredService<AliasAutoCreator>()));
        if (admin is not null)
        {
            services.AddSingleton<IAliasAdmin>(sp => sp.GetRequiredService<CachingAliasDirectory>());
        }

        return services;
    }

    /// <summary>The alias model's settings (<c>MailTumble:MaxTargetsPerAlias</c>), validated at start.</summary>
    public static IServiceCollection AddMailTumbleAliasOptions(this IServiceCollection services, Action<AliasOptions> configure)
    {
        services.AddOptions<AliasOptions>().Configure(configure).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<AliasOptions>, AliasOptionsValidator>();
        return services;
    }

    private static object Create(IServiceProvider services, ServiceDescriptor descriptor) =>
        descriptor.ImplementationInstance
        ?? descriptor.ImplementationFactory?.Invoke(services)
        ?? ActivatorUtilities.GetServiceOrCreateInstance(services, descriptor.ImplementationType!);

    private static void RemoveAll(this IServiceCollection services, Type type)
    {
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == type)
            {
                services.RemoveAt(i);
            }
        }
    }
}
