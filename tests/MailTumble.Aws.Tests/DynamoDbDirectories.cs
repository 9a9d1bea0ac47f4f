using Amazon.DynamoDBv2;
using Amazon.Runtime;
using MailTumble.Testing;
using Microsoft.Extensions.Options;

namespace MailTumble.Aws.Tests;

internal static class DynamoDbDirectories
{
    public const string Variable = "MAILTUMBLE_TEST_DYNAMODB";

    public static (DynamoDbAliasDirectory Directory, AmazonDynamoDBClient Client) Create(string? serviceUrl = null, Action<DynamoDbDirectoryOptions>? configure = null)
    {
        var options = new DynamoDbDirectoryOptions
        {
            Table = "mt_aliases_test",
            ServiceUrl = serviceUrl ?? ExternalService.Require(Variable, "dynalite"),
            Region = "eu-west-1",
            CreateTable = true,
            Timeout = TimeSpan.FromSeconds(3),
        };
        configure?.Invoke(options);
        // The emulator accepts any key; these never leave loopback.
        var client = new AmazonDynamoDBClient(new BasicAWSCredentials("test", "test"), AwsServiceCollectionExtensions.Config(options));
        return (new DynamoDbAliasDirectory(client, Options.Create(options), TimeProvider.System), client);
    }
}
