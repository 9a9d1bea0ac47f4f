using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MailKit.Net.Smtp;
using MailTumble.Core.Queue;
using MailTumble.Testing;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using SmtpServer.Protocol;
using SmtpResponse = SmtpServer.Protocol.SmtpResponse;

namespace MailTumble.Tests;

/// <summary>Queue statistics, send-out status and dead-letter handling over the HTTP API and the CLI formatter.</summary>
public sealed class QueueApiTests
{
    private static async Task SendAsync(RelayFixture relay, string subject)
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", relay.SmtpPort, MailKit.Security.SecureSocketOptions.None);
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Shop", "shop@brand.example"));
        message.To.Add(new MailboxAddress(string.Empty, "x7g2@mask.example.com"));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "hello" };
        await smtp.SendAsync(message);
        await smtp.DisconnectAsync(true);
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
    {
        var text = await http.GetStringAsync(new Uri(path, UriKind.Relative));
        return JsonDocument.Parse(text).RootElement;
    }

    /// <summary>Waits until every dead letter GET /dlq lists died more than <paramref name="age"/> ago by the relay's clock.</summary>
    internal static Task DeadLettersOlderThanAsync(RelayFixture relay, HttpClient http, TimeSpan age)
    {
        var clock = relay.Services.GetRequiredService<TimeProvider>();
        return Eventually.TrueAsync(
            async () => (await GetJsonAsync(http, "/dlq")).EnumerateArray().All(d => d.GetProperty("dead_at").GetDateTimeOffset() < clock.GetUtcNow() - age),
            $"every dead letter is older than {age.TotalSeconds:0.#} s");
    }

    [Fact]
    public async Task Dead_letters_can_be_shown_replayed_and_purged_over_the_api()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
        relay.Sink.Responder = attempt => attempt <= 2 ? new SmtpResponse(SmtpReplyCode.MailboxUnavailable, "5.1.1 no such user here") : null;
        using var http = new HttpClient { BaseAddress = new Uri(relay.ApiBase) };

        await SendAsync(relay, "first");
        await SendAsync(relay, "second");
        var dead = await Eventually.ValueAsync(() => GetJsonAsync(http, "/dlq"), d => d.GetArrayLength() >= 2, "GET /dlq lists both refused messages");

        Assert.Equal(2, dead.GetArrayLength());
        var id = dead[0].GetProperty("id").GetString()!;
        var one = await GetJsonAsync(http, $"/dlq/{id}");
        Assert.Contains("550", one.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("Subject:", one.GetProperty("headers").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri("/dlq/nope", UriKind.Relative))).StatusCode);

        var replay = await http.PostAsJsonAsync(new Uri("/dlq/replay", UriKind.Relative), new { ids = new[] { id } });
        Assert.Equal(1, JsonDocument.Parse(await replay.Content.ReadAsStringAsync()).RootElement.GetProperty("replayed").GetInt32());
        Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(20)));

        Assert.Equal(HttpStatusCode.BadRequest, (await http.DeleteAsync(new Uri("/dlq?older_than=soon", UriKind.Relative))).StatusCode);
        await DeadLettersOlderThanAsync(relay, http, TimeSpan.FromSeconds(1));
        var purge = await http.DeleteAsync(new Uri("/dlq?older_than=1s", UriKind.Relative));
        var purged = JsonDocument.Parse(await purge.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((1, 1), (purged.GetProperty("purged").GetInt32(), purged.GetProperty("released_messages").GetInt32()));
        Assert.Equal(0, StoredCopies.Count(relay.DataDir));
    }

    [Fact]
    public async Task Queue_stats_report_the_live_send_out_state()
    {
        await using var relay = await RelayFixture.StartAsync(new() { ["MailTumble:Outbound:DailyQuota"] = "1" });
        await relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
        using var http = new HttpClient { BaseAddress = new Uri(relay.ApiBase) };
        await SendAsync(relay, "one");
        await SendAsync(relay, "two");
        Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(20)));

        // The quota of one is spent: the second waits, and the stats say why.
        var stats = await Eventually.ValueAsync(
            () => GetJsonAsync(http, "/queue/stats"),
            s => s.GetProperty("send_out").ValueKind == JsonValueKind.Object && s.GetProperty("send_out").GetProperty("pause_reason").ValueKind == JsonValueKind.String,
            "GET /queue/stats names why send-out is paused");

        var sendOut = stats.GetProperty("send_out");
        Assert.Equal(1, stats.GetProperty("depth").GetInt64());
        Assert.Equal(1000, sendOut.GetProperty("max_rate").GetDouble());
        Assert.Equal("daily quota of 1 spent", sendOut.GetProperty("pause_reason").GetString());
        Assert.Equal(1, sendOut.GetProperty("daily_used").GetInt32());
        Assert.Single(relay.Sink.Messages);

        var text = Cli.QueueCommands.Format(
            await relay.Services.GetRequiredService<IOutgoingQueue>().GetStatsAsync(default),
            await relay.Services.GetRequiredService<Core.Delivery.IDeliveryStatusStore>().LoadAsync(default),
            DateTimeOffset.UtcNow);
        Assert.Contains("daily quota       1 of 1 used in the last 24 h", text, StringComparison.Ordinal);
        Assert.Contains("paused until", text, StringComparison.Ordinal);
    }
}
