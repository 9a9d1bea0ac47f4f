using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Aws.Cluster;

/// <summary>
/// The AWS family's shared state table (<c>MailTumble:Aws:StateTable</c>): one DynamoDB table keyed by <c>pk</c> and
/// <c>sk</c> (strings), holding the nodes' heartbeats and the rate factor, held mail, sender rules, sent deliveries and
/// feedback, and alias counters. Created on first use when it is missing (on demand billing, time to live on
/// <c>expires</c>), by whichever node gets there first.
/// </summary>
internal sealed partial class DynamoDbStateTable
{
    /// <summary>The partition key attribute.</summary>
    public const string Pk = "pk";

    /// <summary>The sort key attribute.</summary>
    public const string Sk = "sk";

    /// <summary>The time-to-live attribute (epoch seconds): DynamoDB deletes what it names some time after it passed.</summary>
    public const string Expires = "expires";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeProvider _time;
    private readonly ILogger<DynamoDbStateTable> _logger;
    private volatile bool _ready;

    public DynamoDbStateTable(IAmazonDynamoDB client, IOptions<AwsOptions> options, TimeProvider time, ILogger<DynamoDbStateTable> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        Client = client;
        Name = options.Value.StateTable;
        _time = time;
        _logger = logger;
    }

    /// <summary>The client, for the stores that use the table.</summary>
    public IAmazonDynamoDB Client { get; }

    /// <summary>The table's name.</summary>
    public string Name { get; }

    /// <summary>Waits a little before a retry (on the table's clock).</summary>
    public Task PauseAsync(TimeSpan span, CancellationToken cancellationToken) => Task.Delay(span, _time, cancellationToken);

    /// <summary>An item key.</summary>
    public static Dictionary<string, AttributeValue> Key(string pk, string sk) => new()
    {
        [Pk] = new AttributeValue { S = pk },
        [Sk] = new AttributeValue { S = sk },
    };

    /// <summary>Makes sure the table exists and is active (once per process; retried after a failure).</summary>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_ready)
            {
                return;
            }

            try
            {
                if (!await ActiveAsync(cancellationToken).ConfigureAwait(false))
                {
                    await CreateAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is Amazon.Runtime.AmazonServiceException or HttpRequestException or TimeoutException or Amazon.Runtime.AmazonClientException)
            {
                var endpoint = Client.Config.ServiceURL ?? Client.Config.RegionEndpoint?.SystemName ?? "the default region";
                throw new DynamoDbUnavailableException(
                    $"cannot use the DynamoDB table {Name} (MailTumble:Aws:StateTable) at {endpoint} (MailTumble:Aws:DynamoDbServiceUrl, MailTumble:Aws:Region): {ex.Message.TrimEnd('.')}", ex);
            }

            _ready = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<bool> ActiveAsync(CancellationToken cancellationToken)
    {
        try
        {
            var table = await Client.DescribeTableAsync(Name, cancellationToken).ConfigureAwait(false);
            return table.Table.TableStatus == TableStatus.ACTIVE;
        }
        catch (ResourceNotFoundException)
        {
            return false;
        }
    }

    private async Task CreateAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Client.CreateTableAsync(
                new CreateTableRequest
                {
                    TableName = Name,
                    AttributeDefinitions = [new AttributeDefinition(Pk, ScalarAttributeType.S), new AttributeDefinition(Sk, ScalarAttributeType.S)],
                    KeySchema = [new KeySchemaElement(Pk, KeyType.HASH), new KeySchemaElement(Sk, KeyType.RANGE)],
                    BillingMode = BillingMode.PAY_PER_REQUEST,
                },
                cancellationToken).ConfigureAwait(false);
            LogCreated(_logger, Name);
        }
        catch (ResourceInUseException)
        {
            // Another node is creating it.
        }

        for (var i = 0; i < 300; i++)
        {
            if (await ActiveAsync(cancellationToken).ConfigureAwait(false))
            {
                await EnableTimeToLiveAsync(cancellationToken).ConfigureAwait(false);
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), _time, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"DynamoDB table {Name} (MailTumble:Aws:StateTable) did not become active");
    }

    private async Task EnableTimeToLiveAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Client.UpdateTimeToLiveAsync(
                new UpdateTimeToLiveRequest { TableName = Name, TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = Expires, Enabled = true } },
                cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonDynamoDBException ex)
        {
            // Emulators may not know time to live; nothing depends on it (dead nodes' rows are also swept by the others).
            LogNoTimeToLive(_logger, Name, ex.Message);
        }
    }

    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Created DynamoDB table {Table} (MailTumble:Aws:StateTable)")]
    private static partial void LogCreated(ILogger logger, string table);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Time to live not enabled on DynamoDB table {Table}: {Reason}")]
    private static partial void LogNoTimeToLive(ILogger logger, string table, string reason);
}
