using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Aliases;

/// <summary>Puts <see cref="ResilientAliasDirectory"/> around whichever directory driver was registered.</summary>
public static class DirectoryResilienceServiceCollectionExtensions
{
    /// <summary>
    /// Replaces the registered <see cref="IAliasDirectory"/> with a <see cref="ResilientAliasDirectory"/> over it (the
    /// driver's <see cref="IAliasAdmin"/>, for CLI and API changes, is left as it is). Call after the driver's registration
    /// and before the cache (<see cref="DirectoryServiceCollectionExtensions.AddMailTumbleDirectoryCache"/>).
    /// </summary>
    public static IServiceCollection AddMailTumbleDirectoryResilience(this IServiceCollection services, string driver, Action<DirectoryResilienceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        var directory = services.LastOrDefault(d => d.ServiceType == typeof(IAliasDirectory))
            ?? throw new InvalidOperationException("register an alias directory driver before its resilience policy");
        services.Remove(directory);
        services.AddOptions<DirectoryResilienceOptions>().Configure(configure).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DirectoryResilienceOptions>, DirectoryResilienceOptionsValidator>();
        services.AddSingleton<IAliasDirectory>(sp => new ResilientAliasDirectory(
            (IAliasDirectory)Create(sp, directory),
            driver,
            sp.GetRequiredService<IOptions<DirectoryResilienceOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ResilientAliasDirectory>>()));
        return services;
    }

    private static object Create(IServiceProvider services, ServiceDescriptor descriptor) =>
        descriptor.ImplementationInstance
        ?? descriptor.ImplementationFactory?.Invoke(services)
        ?? ActivatorUtilities.GetServiceOrCreateInstance(services, descriptor.ImplementationType!);
}
