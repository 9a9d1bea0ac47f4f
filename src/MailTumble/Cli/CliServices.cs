using MailTumble.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MailTumble.Cli;

/// <summary>The relay's services for one CLI command (no listener, no send-out), on the same data directory as <c>serve</c>.</summary>
internal static class CliServices
{
    public static ServiceProvider Create(IConfigurationRoot configuration, Action<IServiceCollection>? extra = null)
    {
        MailTumbleConfiguration.EnsureDataDir(configuration);
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddConfiguration(configuration.GetSection("Logging")).SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true));
        services.AddSingleton<IConfiguration>(configuration);
        services.AddMailTumbleRelay(configuration);
        extra?.Invoke(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }
}
