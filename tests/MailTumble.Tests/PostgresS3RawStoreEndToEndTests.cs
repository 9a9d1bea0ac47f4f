using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using MailTumble.Aws;
using MailTumble.Testing;

namespace MailTumble.Tests;

/// <summary>
/// <c>serve</c> in the postgres family with <c>MailTumble:Postgres:RawStore: s3</c> (PostgreSQL for the queue and all
/// state, the fauxqs emulator's S3 for the bytes): mail taken in over real SMTP is stored in the bucket and not in the
/// database, delivered from there, and its object is deleted once delivered (by the one owner of stored bytes).
/// </summary>
public sealed class PostgresS3RawStoreEndToEndTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly TestSmtpSink _sink = new();
    private readonly string _prefix = "pgs3-" + Guid.NewGuid().ToString("N")[..10] + "/";
    private readonly PostgresServe _postgres;
    private IAmazonS3? _s3;

    public PostgresS3RawStoreEndToEndTests() => _postgres = new PostgresServe(_dir.Path, _sink.Port);

    [SkippableFact]
    public async Task Mail_is_stored_in_the_bucket_not_the_database_delivered_from_it_and_its_object_deleted_after_delivery()
    {
        var serviceUrl = ExternalService.Require(AwsEmulator.Variable, "fauxqs");
        var options = new AwsOptions { ServiceUrl = serviceUrl, Region = "us-east-1", S3BucketName = AwsEmulator.Bucket, S3KeyPrefix = _prefix };
        _s3 = AwsClients.CreateS3(options, new BasicAWSCredentials("test", "test"));
        try
        {
            await _s3.PutBucketAsync(new PutBucketRequest { BucketName = AwsEmulator.Bucket });
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
        }

        var node = _postgres.Node(
            "a",
            ("MailTumble__Postgres__RawStore", "s3"),
            ("MailTumble__Aws__ServiceUrl", serviceUrl),
            ("MailTumble__Aws__Region", "us-east-1"),
            ("MailTumble__Aws__S3BucketName", AwsEmulator.Bucket),
            ("MailTumble__Aws__S3KeyPrefix", _prefix));
        foreach (var (key, value) in AwsEmulator.CredentialVariables)
        {
            node[key] = value;
        }

        // Mail from brand.example is held, so its stored bytes can be looked at before anything sends them.
        var (code, output) = await RelayProcess.RunAsync(_dir.Path, node, "sender", "hold", "@brand.example");
        Assert.True(code == 0, output);
        await using var relay = await RelayProcess.StartAsync(_dir.Path, node);
        await Eventually.TrueAsync(
            () => relay.Output.Contains($"raw messages in s3://{AwsEmulator.Bucket}/{_prefix}", StringComparison.Ordinal),
            "the banner says where raw messages are");

        await SendAsync(node, "shop@brand.example", "kept in s3");
        var stored = Assert.Single(await ObjectsAsync());
        using (var body = await _s3.GetObjectAsync(AwsEmulator.Bucket, stored))
        using (var reader = new StreamReader(body.ResponseStream))
        {
            Assert.Contains("the body of kept in s3", await reader.ReadToEndAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(0L, await _postgres.ScalarAsync("SELECT COUNT(*) FROM raw_messages"));
        Assert.Equal(0L, await _postgres.ScalarAsync("SELECT COUNT(*) FROM raw_chunks"));

        // Approved from the CLI (which composes the same family), sent from the bucket, then deleted from it.
        (code, output) = await RelayProcess.RunAsync(_dir.Path, node, "held", "approve", "--all");
        Assert.True(code == 0, output);
        var mail = Assert.Single(await _sink.WaitForAsync(1, TimeSpan.FromSeconds(60)));
        Assert.Contains("the body of kept in s3", mail.Text, StringComparison.Ordinal);
        Assert.Equal(["john@real.example.org"], mail.To);
        await Eventually.TrueAsync(async () => (await ObjectsAsync()).Count == 0, "the delivered message's object is deleted from the bucket\n" + relay.Output);

        // Mail that is not held goes the same way: through the bucket, out, and gone from it.
        await SendAsync(node, "news@plain.example", "straight through");
        await Eventually.TrueAsync(
            () => _sink.Messages.Any(m => m.Header("Subject") == "straight through"),
            "mail that is not held is delivered",
            TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(async () => (await ObjectsAsync()).Count == 0, "its object is deleted too\n" + relay.Output);
        Assert.Equal(0L, await _postgres.ScalarAsync("SELECT COUNT(*) FROM raw_messages"));
        Assert.Equal(0L, await _postgres.ScalarAsync("SELECT COUNT(*) FROM queue"));
        Assert.Equal(0, await relay.StopAsync(TimeSpan.FromSeconds(30)));
    }

    private async Task<List<string>> ObjectsAsync()
    {
        var listing = await _s3!.ListObjectsV2Async(new ListObjectsV2Request { BucketName = AwsEmulator.Bucket, Prefix = _prefix });
        return [.. (listing.S3Objects ?? []).Select(o => o.Key)];
    }

    private static async Task SendAsync(Dictionary<string, string> node, string from, string subject)
    {
        var (recipients, data) = await RelaySmtp.TransactAsync(
            PostgresServe.SmtpPort(node), from, [PostgresServe.Alias], $"From: <{from}>\r\nSubject: {subject}\r\n\r\nthe body of {subject}\r\n");
        Assert.StartsWith("250", Assert.Single(recipients));
        Assert.StartsWith("250", data);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _sink.DisposeAsync();
        await _postgres.DropSchemaAsync();
        _s3?.Dispose();
        _dir.Dispose();
    }
}
