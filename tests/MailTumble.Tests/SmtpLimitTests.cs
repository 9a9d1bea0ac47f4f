using MailTumble.Core.Queue;
using MailTumble.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Tests;

/// <summary>The listener's limits and timeouts, and shutdown, over real SMTP on loopback: each answer asserted.</summary>
public sealed class SmtpLimitTests
{
    private static async Task<SmtpWireClient> GreetedAsync(RelayFixture relay)
    {
        var client = await SmtpWireClient.ConnectAsync(relay.SmtpPort);
        Assert.StartsWith("220 ", await client.ReadReplyAsync());
        return client;
    }

    private static async Task<SmtpWireClient> InDataAsync(RelayFixture relay)
    {
        var client = await GreetedAsync(relay);
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<shop@brand.example>"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<x7g2@mask.example.com>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        return client;
    }

    private static int RawFiles(RelayFixture relay)
    {
        return StoredCopies.Count(relay.DataDir);
    }

    [Fact]
    public async Task A_connection_over_MaxConnections_gets_421_4_7_0_and_is_closed()
    {
        await using var relay = await RelayFixture.StartAsync(new() { ["MailTumble:Smtp:MaxConnections"] = "2" });
        var first = await GreetedAsync(relay);
        await using var second = await GreetedAsync(relay);

        await using (var extra = await SmtpWireClient.ConnectAsync(relay.SmtpPort))
        {
            Assert.StartsWith("421 4.7.0 Too many connections", await extra.ReadReplyAsync());
            Assert.True(await extra.IsClosedAsync(TimeSpan.FromSeconds(5)));
        }

        // The limit counts open sessions: once one ends, a newcomer is served again.
        Assert.StartsWith("221", await first.CommandAsync("QUIT"));
        await first.DisposeAsync();
        var greeting = await Eventually.ValueAsync(
            async () =>
            {
                await using var next = await SmtpWireClient.ConnectAsync(relay.SmtpPort);
                return await next.ReadReplyAsync();
            },
            reply => reply?.StartsWith("220 ", StringComparison.Ordinal) == true,
            "a newcomer is greeted once the first session has ended");

        Assert.StartsWith("220 relay.test", greeting);
    }

    [Fact]
    public async Task One_client_address_gets_at_most_MaxConnectionsPerIp_sessions_by_default_20()
    {
        await using var relay = await RelayFixture.StartAsync();
        var held = new List<SmtpWireClient>();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                held.Add(await GreetedAsync(relay));
            }

            await using (var extra = await SmtpWireClient.ConnectAsync(relay.SmtpPort))
            {
                Assert.Equal("421 4.7.0 Too many connections from your address (at most 20), try again later", await extra.ReadReplyAsync());
                Assert.True(await extra.IsClosedAsync(TimeSpan.FromSeconds(5)));
            }

            // Another address is still served while this one is full.
            await using var other = await SmtpWireClient.ConnectAsync(relay.SmtpPort, System.Net.IPAddress.Parse("127.0.0.2"));
            Assert.StartsWith("220 relay.test", await other.ReadReplyAsync());
        }
        finally
        {
            foreach (var client in held)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task DATA_trickling_below_MinDataRate_gets_421_4_7_0_and_nothing_is_queued()
    {
        await using var relay = await RelayFixture.StartAsync(new() { ["MailTumble:Smtp:DataTimeout"] = "00:00:02", ["MailTumble:Smtp:MinDataRate"] = "1000" });
        await relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
        await using var client = await InDataAsync(relay);
        await client.SendAsync("Subject: trickle\r\n\r\n");

        // A byte every 100 ms never stalls for DataTimeout, but stays far below 1000 bytes per second.
        using var stop = new CancellationTokenSource();
        var trickle = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await client.SendAsync("x");
                    await Task.Delay(100, stop.Token);
                }
                catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or System.Net.Sockets.SocketException)
                {
                    return;
                }
            }
        });

        var reply = await client.ReadReplyAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await trickle;
        Assert.Equal("421 4.7.0 Message data arriving too slowly (less than 1000 bytes per second), closing connection", reply);
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));

        await RelaySmtp.SendAsync(relay, "control", "x7g2@mask.example.com");
        await relay.WaitForIdleAsync();
        Assert.Equal("control", Assert.Single(relay.Sink.Messages).Header("Subject"));
    }

    [Fact]
    public async Task DATA_that_stalls_past_DataTimeout_gets_421_4_4_2_and_nothing_is_queued()
    {
        await using var relay = await RelayFixture.StartAsync(new() { ["MailTumble:Smtp:DataTimeout"] = "00:00:01" });
        await relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
        await using var client = await InDataAsync(relay);
        await client.SendAsync("Subject: stalled\r\n\r\nthe first half of the body\r\n");

        Assert.StartsWith("421 4.4.2", await client.ReadReplyAsync(TimeSpan.FromSeconds(30)));
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
        Assert.Empty(await relay.SettleWithControlAsync());
        Assert.Equal(0, (await relay.Services.GetRequiredService<IOutgoingQueue>().GetStatsAsync(default)).Depth);
        Assert.Equal(0, RawFiles(relay));
    }

    [Fact]
    public async Task A_session_idle_past_CommandTimeout_gets_421_and_is_closed()
    {
        await using var relay = await RelayFixture.StartAsync(new() { ["MailTumble:Smtp:CommandTimeout"] = "00:00:01" });
        await using var client = await GreetedAsync(relay);
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"));

        Assert.StartsWith("421 4.4.2", await client.ReadReplyAsync(TimeSpan.FromSeconds(30)));
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_half_typed_command_is_timed_out_too()
    {
        await using var relay = await RelayFixture.StartAsync(new() { ["MailTumble:Smtp:CommandTimeout"] = "00:00:01" });
        await using var client = await GreetedAsync(relay);
        await client.SendAsync("EHLO client.te");

        Assert.StartsWith("421 4.4.2", await client.ReadReplyAsync(TimeSpan.FromSeconds(30)));
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_new_connection_while_draining_gets_421_4_3_2_and_the_message_in_progress_still_completes()
    {
        var relay = await RelayFixture.StartAsync();
        try
        {
            await relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
            await using var idle = await GreetedAsync(relay);
            await using var busy = await InDataAsync(relay);
            await busy.SendAsync("Subject: in flight\r\n\r\npart one\r\n");

            var stopping = relay.App.StopAsync();

            // The idle session's 421 shows the drain has begun; the busy one keeps it going.
            Assert.StartsWith("421 4.3.2", await idle.ReadReplyAsync());
            await using (var late = await SmtpWireClient.ConnectAsync(relay.SmtpPort))
            {
                Assert.StartsWith("421 4.3.2 Service shutting down", await late.ReadReplyAsync());
                Assert.True(await late.IsClosedAsync(TimeSpan.FromSeconds(5)));
            }

            Assert.False(stopping.IsCompleted);
            await busy.SendAsync("part two\r\n.\r\n");
            Assert.StartsWith("250", await busy.ReadReplyAsync());
            await stopping.WaitAsync(TimeSpan.FromSeconds(60));

            var queued = (await relay.Services.GetRequiredService<IOutgoingQueue>().GetStatsAsync(default)).Depth;
            Assert.Equal(1, relay.Sink.Messages.Count + queued);
        }
        finally
        {
            await relay.DisposeAsync();
        }
    }
}
