using Amazon.DynamoDBv2;
using Amazon.Runtime;
using MailTumble.Aws.Cluster;
using MailTumble.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MailTumble.Aws.Tests;

/// <summary>A fresh state table in dynalite for one test; deleted at the end.</summary>
internal sealed class StateTables : IAsyncDisposable
{
    private readonly IAmazonDynamoDB _client;

    public StateTables()
    {
        Options = new AwsOptions
        {
            DynamoDbServiceUrl = ExternalService.Require(DynamoDbDirectories.Variable, "dynalite"),
            Region = "eu-west-1",
            StateTable = "mt-state-" + Guid.NewGuid().ToString("N")[..12],
        };
        // The emulator accepts any key; these never leave loopback.
        _client = AwsClients.CreateDynamoDb(Options, new BasicAWSCredentials("test", "test"));
    }

    public AwsOptions Options { get; }

    /// <summary>
    /// Another node's handle on the same table (its own client, as another process would have). Its clock only paces
    /// the wait for a new table to become active, so it is the real one even where the stores get a fake clock.
    /// </summary>
    public DynamoDbStateTable Open() =>
        new(AwsClients.CreateDynamoDb(Options, new BasicAWSCredentials("test", "test")), Microsoft.Extensions.Options.Options.Create(Options), TimeProvider.System, NullLogger<DynamoDbStateTable>.Instance);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _client.DeleteTableAsync(Options.StateTable);
        }
        catch (Amazon.DynamoDBv2.Model.ResourceNotFoundException)
        {
        }

        _client.Dispose();
    }
}
