using System.Globalization;
using MailTumble.Testing;
using Xunit.Abstractions;

namespace MailTumble.Tests;

/// <summary>
/// The cache in front of a remote directory, end to end: a burst of 10,000 recipients over real SMTP to 100 aliases
/// asks the REST directory (an independent server on loopback) about each alias about once, not 10,000 times.
/// </summary>
public sealed class DirectoryBurstTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Ten_thousand_recipients_to_100_aliases_make_about_100_directory_calls()
    {
        await using var directory = await TestRestDirectory.StartAsync("t0ken");
        for (var i = 0; i < 100; i++)
        {
            directory.Targets[Alias(i)] = $"person{i}@real.example.org";
        }

        await using var relay = await RelayFixture.StartAsync(new()
        {
            ["MailTumble:Domains:0"] = "mask.example.com",
            ["MailTumble:Directory:Driver"] = "rest",
            ["MailTumble:Directory:Rest:Url"] = directory.Url,
            ["MailTumble:Directory:Rest:Token"] = "t0ken",
            ["MailTumble:Smtp:MaxRecipients"] = "100",
        });

        // Ten sessions at once, each 10 transactions of 100 recipients: every RCPT is a lookup.
        var sessions = Enumerable.Range(0, 10).Select(async session =>
        {
            var accepted = 0;
            await using var client = await SmtpWireClient.ConnectAsync(relay.SmtpPort);
            await client.ReadReplyAsync();
            await client.CommandAsync("EHLO client.test");
            for (var transaction = 0; transaction < 10; transaction++)
            {
                Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<shop@brand.example>"));
                for (var r = 0; r < 100; r++)
                {
                    var reply = await client.CommandAsync($"RCPT TO:<{Alias((session * 37 + transaction * 11 + r) % 100)}>");
                    accepted += reply?.StartsWith("250", StringComparison.Ordinal) == true ? 1 : 0;
                }

                Assert.StartsWith("250", await client.CommandAsync("RSET"));
            }

            return accepted;
        }).ToList();

        var total = (await Task.WhenAll(sessions)).Sum();
        output.WriteLine($"{total:N0} recipients accepted; the REST directory was asked {directory.Hits} times");
        Assert.Equal(10_000, total);
        Assert.InRange(directory.Hits, 100, 110);
    }

    private static string Alias(int i) => string.Create(CultureInfo.InvariantCulture, $"a{i}@mask.example.com");
}
