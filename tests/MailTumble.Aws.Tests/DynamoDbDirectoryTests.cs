using System.Net;
using System.Net.Sockets;
using Amazon.DynamoDBv2.Model;
using MailTumble.Core.Aliases;
using MailTumble.Testing;

namespace MailTumble.Aws.Tests;

public sealed class DynamoDbDirectoryTests
{
    [SkippableFact]
    public async Task Items_in_the_original_shape_follow_the_original_semantics()
    {
        var (directory, client) = DynamoDbDirectories.Create();
        using (directory)
        using (client)
        {
            Assert.Equal(LookupOutcome.NotFound, (await directory.LookupAsync("warmup@mask.example.com", default)).Outcome);
            var run = Guid.NewGuid().ToString("N")[..8];
            async Task Put(string local, Dictionary<string, AttributeValue> extra)
            {
                extra["alias"] = new AttributeValue { S = $"{run}-{local}@mask.example.com" };
                extra["email"] = new AttributeValue { S = "John@real.example.org" };
                await client.PutItemAsync(new PutItemRequest { TableName = "mt_aliases_test", Item = extra });
            }

            // As the seed's API wrote them: no status attribute, counts as numbers, optout as a boolean.
            await Put("ok", new() { ["count_bounce"] = new AttributeValue { N = "3" }, ["optout"] = new AttributeValue { BOOL = false } });
            await Put("bounced", new() { ["count_bounce"] = new AttributeValue { N = "4" } });
            await Put("complained", new() { ["count_complaint"] = new AttributeValue { N = "1" } });
            await Put("optedout", new() { ["optout"] = new AttributeValue { BOOL = true } });

            async Task<AliasStatus> Status(string local) => (await directory.LookupAsync($"{run}-{local}@mask.example.com", default)).Alias!.Status;
            Assert.Equal(AliasStatus.Active, await Status("ok"));
            Assert.Equal(AliasStatus.Dead, await Status("bounced"));
            Assert.Equal(AliasStatus.Dead, await Status("complained"));
            Assert.Equal(AliasStatus.Disabled, await Status("optedout"));
            Assert.Equal("john@real.example.org", (await directory.LookupAsync($"{run}-ok@mask.example.com", default)).Alias!.Target);
        }
    }

    [Fact]
    public async Task An_unreachable_endpoint_is_a_temporary_failure()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var (driver, client) = DynamoDbDirectories.Create($"http://127.0.0.1:{port}", o => o.Timeout = TimeSpan.FromSeconds(2));
        using (driver)
        using (client)
        {
            var directory = ResilientDirectories.Wrap(driver, "dynamodb");
            var result = await directory.LookupAsync("x7g2@mask.example.com", default);
            Assert.Equal(LookupOutcome.TemporaryFailure, result.Outcome);
        }
    }

    [SkippableFact]
    public async Task A_missing_table_is_a_temporary_failure_not_an_unknown_alias()
    {
        var (driver, client) = DynamoDbDirectories.Create(configure: o =>
        {
            o.Table = "no_such_table_" + Guid.NewGuid().ToString("N")[..8];
            o.CreateTable = false;
        });
        using (driver)
        using (client)
        {
            var directory = ResilientDirectories.Wrap(driver, "dynamodb");
            Assert.Equal(LookupOutcome.TemporaryFailure, (await directory.LookupAsync("x7g2@mask.example.com", default)).Outcome);
        }
    }
}
