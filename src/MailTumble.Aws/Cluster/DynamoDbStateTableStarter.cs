using Microsoft.Extensions.Hosting;

namespace MailTumble.Aws.Cluster;

/// <summary>Creates the state table when the relay starts (if missing), so an unreachable DynamoDB or a missing permission stops start with its reason.</summary>
internal sealed class DynamoDbStateTableStarter(DynamoDbStateTable table) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => table.EnsureAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
