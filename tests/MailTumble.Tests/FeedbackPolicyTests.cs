using System.Collections.Concurrent;
using System.Text.Json;
using MailTumble.Core.Aliases;
using MailTumble.Core.Feedback;
using MailTumble.Testing;
using MailTumble.Testing.Feedback;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Tests;

/// <summary>The <c>MailTumble:Feedback</c> settings: a stricter bounce limit, the webhook, validation.</summary>
public sealed class FeedbackPolicyTests
{
    private const string Alias = "x7g2@mask.example.com";
    private const string Target = "john@real.example.org";

    [Fact]
    public async Task A_looser_bounce_limit_kills_later_and_rcpt_agrees_with_it()
    {
        await using var relay = await RelayFixture.StartAsync(new() { ["MailTumble:Feedback:MaxBounces"] = "5" });
        await relay.AddAliasAsync(Alias, Target);
        var processor = relay.Services.GetRequiredService<FeedbackProcessor>();
        for (var i = 1; i <= 6; i++)
        {
            var source = await FeedbackEndToEndTests.ForwardOneAsync(relay, "m" + i);
            await processor.ProcessSnsEnvelopeAsync(SesSamples.Bounce(source, "0100-" + i, "Permanent", "General", "fb-" + i, Target), default);
            var alias = await FeedbackEndToEndTests.AliasAsync(relay);
            Assert.Equal((i, i <= 5 ? AliasStatus.Active : AliasStatus.Dead), (alias.CountBounce, alias.Status));
        }
    }

    [Fact]
    public async Task A_stricter_bounce_limit_kills_sooner_and_the_webhook_is_retried_until_the_api_takes_it()
    {
        var calls = new ConcurrentQueue<(string Path, string? Auth, string Body)>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        await using var api = builder.Build();
        var attempts = 0;
        api.MapPut("/v1/aliases/{address}", async (string address, HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            // The first call fails: the webhook must try again.
            if (Interlocked.Increment(ref attempts) == 1)
            {
                return Results.StatusCode(503);
            }

            calls.Enqueue((address, request.Headers.Authorization.ToString(), body));
            return Results.NoContent();
        });
        await api.StartAsync();
        var apiUrl = api.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        await using var relay = await RelayFixture.StartAsync(new()
        {
            ["MailTumble:Feedback:MaxBounces"] = "1",
            ["MailTumble:Feedback:WebhookUrl"] = apiUrl + "/v1",
            ["MailTumble:Feedback:WebhookToken"] = "api-token",
            ["MailTumble:Feedback:WebhookRetry"] = "00:00:00.050",
        });
        await relay.AddAliasAsync(Alias, Target);
        var processor = relay.Services.GetRequiredService<FeedbackProcessor>();
        for (var i = 1; i <= 2; i++)
        {
            var source = await FeedbackEndToEndTests.ForwardOneAsync(relay, "m" + i);
            await processor.ProcessSnsEnvelopeAsync(SesSamples.Bounce(source, "0100-" + i, "Permanent", "General", "fb-" + i, Target), default);
            Assert.Equal(i == 1 ? AliasStatus.Active : AliasStatus.Dead, (await FeedbackEndToEndTests.AliasAsync(relay)).Status);
        }

        await Eventually.TrueAsync(() => !calls.IsEmpty, "the status webhook was called");
        var call = Assert.Single(calls);
        Assert.Equal((Alias, "Bearer api-token"), (call.Path, call.Auth));
        var json = JsonDocument.Parse(call.Body).RootElement;
        Assert.Equal(("dead", Target, 2), (json.GetProperty("status").GetString(), json.GetProperty("email").GetString(), json.GetProperty("count_bounce").GetInt32()));
        Assert.Equal(2, attempts);
    }

    [Theory]
    [InlineData("MailTumble:Feedback:MaxBounces", "1001")]
    [InlineData("MailTumble:Feedback:ComplaintsAddress", "not an address")]
    [InlineData("MailTumble:Feedback:SnsTopicArns:0", "ses-feedback")]
    public async Task A_bad_setting_stops_start_up_with_its_name(string key, string value)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => RelayFixture.StartAsync(new() { [key] = value }));
        Assert.Contains(key.Replace(":0", string.Empty, StringComparison.Ordinal), error.Message, StringComparison.Ordinal);
    }
}
