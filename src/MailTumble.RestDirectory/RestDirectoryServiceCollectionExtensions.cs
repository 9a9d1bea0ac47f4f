using MailTumble.Core.Aliases;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailTumble.RestDirectory;

/// <summary>Registers the <c>rest</c> alias directory.</summary>
public static class RestDirectoryServiceCollectionExtensions
{
    /// <summary>Adds a read-only <see cref="IAliasDirectory"/> that calls <c>GET {API_URL}/aliases/{address}</c>.</summary>
    public static IServiceCollection AddMailTumbleRestDirectory(this IServiceCollection services, Action<RestDirectoryOptions> configure)
    {
        services.AddOptions<RestDirectoryOptions>().Configure(configure).ValidateDataAnnotations()
            .Validate(
                o => Uri.TryCreate(o.Url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && string.IsNullOrEmpty(uri.Query),
                "API_URL (MailTumble:Directory:Rest:Url) must be an absolute http(s) URL without a query, e.g. https://api.example.com/prod")
            .ValidateOnStart();
        services.AddSingleton<IAliasDirectory>(sp => new RestAliasDirectory(
            new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2), ConnectTimeout = TimeSpan.FromSeconds(5) },
            sp.GetRequiredService<IOptions<RestDirectoryOptions>>()));
        return services;
    }
}
