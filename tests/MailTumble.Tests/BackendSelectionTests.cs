using MailTumble.Aws;
using MailTumble.Core.Queue;
using MailTumble.Core.Storage;
using MailTumble.Hosting;
using MailTumble.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Tests;

public sealed class BackendSelectionTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task The_seed_variables_queue_url_and_bucket_select_sqs_and_s3()
    {
        await using var provider = Build(new()
        {
            ["MailTumble:Aws:QueueUrl"] = "http://127.0.0.1:1/000000000000/out",
            ["MailTumble:Aws:S3BucketName"] = "raw",
            ["MailTumble:Aws:ServiceUrl"] = "http://127.0.0.1:1",
            ["MailTumble:Aws:DynamoDbServiceUrl"] = "http://127.0.0.1:1",
        });
        Assert.Equal("SqsOutgoingQueue", provider.GetRequiredService<IOutgoingQueue>().GetType().Name);
        Assert.Equal("S3RawStore", provider.GetRequiredService<IRawStore>().GetType().Name);
    }

    [Fact]
    public async Task Without_them_the_embedded_backend_stays()
    {
        await using var provider = Build(new() { ["MailTumble:Aws:S3BucketName"] = "raw" });
        Assert.Equal("SqliteOutgoingQueue", provider.GetRequiredService<IOutgoingQueue>().GetType().Name);
        Assert.Equal("SqliteRawStore", provider.GetRequiredService<IRawStore>().GetType().Name);
    }

    [Fact]
    public void Aws_mode_without_a_queue_url_names_the_setting()
    {
        using var provider = Build(new() { ["MailTumble:Backend"] = "aws", ["MailTumble:Aws:S3BucketName"] = "raw", ["MailTumble:Aws:Region"] = "eu-west-1" });
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<AwsOptions>>().Value);
        Assert.Contains("MailTumble:Aws:QueueUrl (QUEUE_URL)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "mailtumble-state", "MailTumble:Aws:DynamoDbServiceUrl is required when MailTumble:Aws:ServiceUrl is set")]
    [InlineData("http://127.0.0.1:1", "no spaces", "MailTumble:Aws:StateTable must be a DynamoDB table name")]
    [InlineData("127.0.0.1:4567", "mailtumble-state", "MailTumble:Aws:DynamoDbServiceUrl must be an absolute URL")]
    public void Aws_mode_s_shared_state_table_settings_are_checked_and_named(string? dynamoDb, string table, string expected)
    {
        using var provider = Build(new()
        {
            ["MailTumble:Backend"] = "aws",
            ["MailTumble:Aws:QueueUrl"] = "http://127.0.0.1:1/000000000000/out",
            ["MailTumble:Aws:S3BucketName"] = "raw",
            ["MailTumble:Aws:ServiceUrl"] = "http://127.0.0.1:1",
            ["MailTumble:Aws:DynamoDbServiceUrl"] = dynamoDb,
            ["MailTumble:Aws:StateTable"] = table,
        });
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<AwsOptions>>().Value);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_postgres_backend_without_a_connection_string_names_the_setting()
    {
        using var provider = Build(new() { ["MailTumble:Backend"] = "postgres" });
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<Postgres.PostgresOptions>>().Value);
        Assert.Contains("MailTumble:Postgres:ConnectionString is required when MailTumble:Backend is postgres", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_postgres_schema_that_is_not_a_plain_identifier_names_the_setting()
    {
        using var provider = Build(new() { ["MailTumble:Backend"] = "postgres", ["MailTumble:Postgres:ConnectionString"] = "Host=127.0.0.1;Port=1", ["MailTumble:Postgres:Schema"] = "x\"; DROP" });
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<Postgres.PostgresOptions>>().Value);
        Assert.Contains("MailTumble:Postgres:Schema must be a lower-case SQL identifier", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_backend_names_the_setting()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Build(new() { ["MailTumble:Backend"] = "azure" }));
        Assert.Contains("MailTumble:Backend", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();

    private ServiceProvider Build(Dictionary<string, string?> settings)
    {
        settings["MailTumble:DataDir"] = _dir.Path;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddMailTumbleRelay(configuration);
        return services.BuildServiceProvider();
    }
}
