using Amazon;
using Amazon.DynamoDBv2;
using MailTumble.Core.Directory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Aws;

/// <summary>Registers the AWS adapters.</summary>
public static class AwsServiceCollectionExtensions
{
    /// <summary>Adds the <c>dynamodb</c> <see cref="IAliasDirectory"/> and <see cref="IAliasAdmin"/>; credentials come from the usual AWS chain.</summary>
    public static IServiceCollection AddMailTumbleDynamoDbDirectory(this IServiceCollection services, Action<DynamoDbDirectoryOptions> configure)
    {
        services.AddOptions<DynamoDbDirectoryOptions>().Configure(configure).ValidateDataAnnotations()
            .Validate(
                o => string.IsNullOrWhiteSpace(o.ServiceUrl) || Uri.TryCreate(o.ServiceUrl, UriKind.Absolute, out _),
                "MailTumble:Aws:DynamoDbServiceUrl must be an absolute URL such as http://127.0.0.1:4567")
            .Validate(
                o => !string.IsNullOrWhiteSpace(o.ServiceUrl) || !string.IsNullOrWhiteSpace(o.Region) || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("AWS_REGION")),
                "MailTumble:Aws:Region (or AWS_REGION) is required for the dynamodb directory driver unless MailTumble:Aws:DynamoDbServiceUrl is set")
            .ValidateOnStart();
        services.AddSingleton<IAmazonDynamoDB>(sp => CreateClient(sp.GetRequiredService<IOptions<DynamoDbDirectoryOptions>>().Value));
        services.AddSingleton(sp => new DynamoDbAliasDirectory(
            sp.GetRequiredService<IAmazonDynamoDB>(),
            sp.GetRequiredService<IOptions<DynamoDbDirectoryOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<DynamoDbAliasDirectory>>()));
        services.AddSingleton<IAliasDirectory>(sp => sp.GetRequiredService<DynamoDbAliasDirectory>());
        services.AddSingleton<IAliasAdmin>(sp => sp.GetRequiredService<DynamoDbAliasDirectory>());
        return services;
    }

    internal static AmazonDynamoDBConfig Config(DynamoDbDirectoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = new AmazonDynamoDBConfig { Timeout = options.Timeout, MaxErrorRetry = 1 };
        if (!string.IsNullOrWhiteSpace(options.ServiceUrl))
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = string.IsNullOrWhiteSpace(options.Region) ? "us-east-1" : options.Region;
        }
        else if (!string.IsNullOrWhiteSpace(options.Region))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }

        return config;
    }

    private static AmazonDynamoDBClient CreateClient(DynamoDbDirectoryOptions options) => new(Config(options));
}
