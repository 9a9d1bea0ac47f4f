using System.Buffers;
using System.Text;
using MailTumble.Core.Queue;
using MailTumble.Core.Storage;
using MailTumble.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Tests;

/// <summary>
/// DATA streams into the raw store as it arrives (issue 18 item 2): a large message is on disk before its end of data,
/// arrives byte-exact, and whatever is not accepted (client gone, over the size limit, refused, storage failure) leaves
/// no file behind. Memory per message is measured by <c>bench/ingest/run --big</c>.
/// </summary>
public sealed class SmtpStreamingTests
{
    private const string Alias = "x7g2@mask.example.com";

    private static async Task<RelayFixture> StartAsync(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var relay = await RelayFixture.StartAsync(settings, services);
        await relay.AddAliasAsync(Alias, "john@real.example.org");
        return relay;
    }

    private static async Task<SmtpWireClient> InDataAsync(RelayFixture relay, SmtpWireClient? client = null)
    {
        if (client is null)
        {
            client = await SmtpWireClient.ConnectAsync(relay.SmtpPort);
            Assert.StartsWith("220", await client.ReadReplyAsync());
            Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"));
        }

        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<shop@brand.example>"));
        Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{Alias}>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        return client;
    }

    private static string[] RawFiles(RelayFixture relay)
    {
        var raw = Path.Combine(relay.DataDir, "raw");
        return Directory.Exists(raw) ? Directory.EnumerateFiles(raw, "*.eml", SearchOption.AllDirectories).ToArray() : [];
    }

    /// <summary>Body lines of about 100 bytes; every 50th starts with a dot (stuffed on the wire) and every 70th ends with a bare LF.</summary>
    private static (string Wire, string Decoded) Body(int bytes)
    {
        var wire = new StringBuilder(bytes + 1024);
        var decoded = new StringBuilder(bytes + 1024);
        for (var i = 0; decoded.Length < bytes; i++)
        {
            var text = $"line {i:D7} " + new string((char)('a' + (i % 26)), 80);
            var dotted = i % 50 == 0;
            var bareLf = i % 70 == 0;
            wire.Append(dotted ? ".." : string.Empty).Append(dotted ? text[1..] : text).Append(bareLf ? "\n" : "\r\n");
            decoded.Append(dotted ? "." + text[1..] : text).Append("\r\n");
        }

        return (wire.ToString(), decoded.ToString());
    }

    [Fact]
    public async Task A_large_message_is_on_disk_before_its_end_of_data_and_arrives_byte_exact()
    {
        await using var relay = await StartAsync();
        var (wire, decoded) = Body(3 * 1024 * 1024);
        await using var client = await InDataAsync(relay);
        await client.SendAsync("From: Shop <shop@brand.example>\r\nSubject: streamed\r\n\r\n" + wire);

        // The end of data has not been sent, yet the bytes are in the raw store already: they are not held in memory.
        var partial = await Eventually.ValueAsync(() => RawFiles(relay), files => files.Length == 1 && new FileInfo(files[0]).Length > 2 * 1024 * 1024, "the message streams into one raw file before its end");
        await client.SendAsync(".\r\n");
        Assert.StartsWith("250 2.0.0 Ok: queued as " + Path.GetFileNameWithoutExtension(partial[0]), await client.ReadReplyAsync());

        var mail = Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal("streamed", mail.Header("Subject"));
        var body = mail.Text[(mail.Text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        // The test sink drops the CRLF that ends the last line (it belongs to the end of data).
        Assert.Equal(decoded[..^2], body);
    }

    [Fact]
    public async Task A_client_that_leaves_in_the_middle_of_a_large_message_leaves_no_file_and_nothing_queued()
    {
        await using var relay = await StartAsync();
        await using (var client = await InDataAsync(relay))
        {
            await client.SendAsync("Subject: abandoned\r\n\r\n" + Body(2 * 1024 * 1024).Wire);
            await Eventually.TrueAsync(() => RawFiles(relay).Length == 1, "the message streams into a raw file");
        }

        await Eventually.TrueAsync(() => RawFiles(relay).Length == 0, "the unfinished file is removed when the client leaves");
        await RelaySmtp.SendAsync(relay, "control", Alias);
        await relay.WaitForIdleAsync();
        Assert.Equal("control", Assert.Single(relay.Sink.Messages).Header("Subject"));
    }

    [Fact]
    public async Task A_message_over_the_size_limit_gets_552_leaves_no_file_and_the_session_goes_on()
    {
        await using var relay = await StartAsync(new() { ["MailTumble:Smtp:MaxMessageBytes"] = "1048576" });
        await using var client = await InDataAsync(relay);
        await client.SendAsync("Subject: too big\r\n\r\n" + Body(3 * 1024 * 1024).Wire + ".\r\n");
        Assert.Equal("552 5.3.4 Message size exceeds the limit of 1048576 bytes", await client.ReadReplyAsync(TimeSpan.FromSeconds(30)));
        Assert.Empty(RawFiles(relay));

        await InDataAsync(relay, client);
        await client.SendAsync("Subject: small\r\n\r\nfits\r\n.\r\n");
        Assert.StartsWith("250 2.0.0 Ok: queued as", await client.ReadReplyAsync());
        await relay.WaitForIdleAsync();
        Assert.Equal("small", Assert.Single(relay.Sink.Messages).Header("Subject"));
        Assert.Equal(0, (await relay.Services.GetRequiredService<IOutgoingQueue>().GetStatsAsync(default)).Depth);
    }

    [Fact]
    public async Task A_streamed_message_the_intake_refuses_is_released_from_the_store()
    {
        await using var relay = await StartAsync();
        await using var client = await InDataAsync(relay);

        // A header section over 1 MiB cannot be made safe: refused after DATA, when its bytes are on disk already.
        await client.SendAsync("Subject: " + new string('s', 1_200_000) + "\r\n\r\n" + Body(512 * 1024).Wire + ".\r\n");
        Assert.StartsWith("554 5.6.0", await client.ReadReplyAsync(TimeSpan.FromSeconds(30)));
        await Eventually.TrueAsync(() => RawFiles(relay).Length == 0, "the refused message's bytes are released");

        await InDataAsync(relay, client);
        await client.SendAsync("Subject: control\r\n\r\nfits\r\n.\r\n");
        Assert.StartsWith("250", await client.ReadReplyAsync());
        await relay.WaitForIdleAsync();
        Assert.Equal("control", Assert.Single(relay.Sink.Messages).Header("Subject"));
    }

    [Fact]
    public async Task A_store_that_fails_while_a_message_streams_gets_451_and_the_session_goes_on()
    {
        await using var relay = await StartAsync(services: services =>
        {
            var original = services.Last(d => d.ServiceType == typeof(IRawStore));
            services.Remove(original);
            services.AddSingleton<IRawStore>(sp => new FailingWrites((IRawStore)original.ImplementationFactory!(sp)));
        });
        await using var client = await InDataAsync(relay);
        await client.SendAsync("Subject: big\r\n\r\n" + Body(1024 * 1024).Wire + ".\r\n");
        Assert.Equal("451 4.3.0 Temporary storage failure, try again later", await client.ReadReplyAsync(TimeSpan.FromSeconds(30)));

        await InDataAsync(relay, client);
        await client.SendAsync("Subject: small\r\n\r\nfits\r\n.\r\n");
        Assert.StartsWith("250", await client.ReadReplyAsync());
        await relay.WaitForIdleAsync();
        Assert.Equal("small", Assert.Single(relay.Sink.Messages).Header("Subject"));
    }

    /// <summary>A raw store whose streamed writes fail, as on a full disk (whole puts still work).</summary>
    private sealed class FailingWrites(IRawStore inner) : IRawStore
    {
        public Task PutAsync(string key, ReadOnlySequence<byte> content, CancellationToken cancellationToken) => inner.PutAsync(key, content, cancellationToken);

        public Task<IRawWriter> CreateAsync(string key, CancellationToken cancellationToken) => throw new IOException("No space left on device");

        public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken) => inner.OpenReadAsync(key, cancellationToken);

        public Task DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);
    }
}
