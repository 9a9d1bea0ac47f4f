using Amazon.DynamoDBv2;
using MailTumble.Core.Aliases;
using MailTumble.Testing.Contracts;

namespace MailTumble.Aws.Tests;

public sealed class DynamoDbAliasDirectoryContractTests : AliasDirectoryContract, IDisposable
{
    private DynamoDbAliasDirectory? _directory;
    private AmazonDynamoDBClient? _client;

    protected override bool KnowsDomains => false;

    protected override async Task<IAliasDirectory> CreateAsync(IReadOnlyList<AliasRecord> seed)
    {
        (_directory, _client) = DynamoDbDirectories.Create();
        await SeedAsync(_directory, seed);
        return _directory;
    }

    public void Dispose()
    {
        _directory?.Dispose();
        _client?.Dispose();
    }
}
