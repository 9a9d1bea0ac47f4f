using MailTumble.Core.Aliases;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailTumble.Sql;

/// <summary>Registers the <c>mysql</c> or <c>postgres</c> alias directory.</summary>
public static class SqlServiceCollectionExtensions
{
    /// <summary>Adds a writable <see cref="IAliasDirectory"/> and <see cref="IAliasAdmin"/> over one table on <paramref name="engine"/>.</summary>
    public static IServiceCollection AddMailTumbleSqlDirectory(this IServiceCollection services, SqlEngine engine, Action<SqlDirectoryOptions> configure)
    {
        services.AddOptions<SqlDirectoryOptions>().Configure(configure).ValidateDataAnnotations()
            .Validate(
                o => string.IsNullOrWhiteSpace(o.LookupQuery) || o.LookupQuery.Contains("@address", StringComparison.Ordinal),
                "MailTumble:Directory:Sql:LookupQuery must use the parameter @address (never paste the address into the text)")
            .Validate(
                o => string.IsNullOrWhiteSpace(o.DomainQuery) || o.DomainQuery.Contains("@domain", StringComparison.Ordinal),
                "MailTumble:Directory:Sql:DomainQuery must use the parameter @domain (never paste the domain into the text)")
            .ValidateOnStart();
        services.AddSingleton(sp => new SqlAliasDirectory(
            engine,
            sp.GetRequiredService<IOptions<SqlDirectoryOptions>>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IAliasDirectory>(sp => sp.GetRequiredService<SqlAliasDirectory>());
        services.AddSingleton<IAliasAdmin>(sp => sp.GetRequiredService<SqlAliasDirectory>());
        return services;
    }
}
