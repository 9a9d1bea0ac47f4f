using System.Net;
using System.Text;
using System.Text.Json;
using MailTumble.Aws.Feedback;
using MailTumble.Core.Aliases;
using MailTumble.Testing.Feedback;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Tests;

/// <summary><c>POST /feedback/sns</c> over real HTTP, with SNS played by a self-signed certificate.</summary>
public sealed class SnsEndpointTests : IDisposable
{
    private const string Topic = "arn:aws:sns:us-east-1:123456789012:ses-feedback";
    private const string Alias = "x7g2@mask.example.com";
    private const string Target = "john@real.example.org";
    private readonly SnsSigner _sns = new();

    private Task<RelayFixture> StartAsync() => RelayFixture.StartAsync(
        new()
        {
            ["MailTumble:Feedback:SnsTopicArns:0"] = Topic,
            ["MailTumble:Api:Token"] = "s3cret",
        },
        services => services.AddSingleton<ISnsHttp>(_sns));

    private static async Task<(HttpStatusCode Status, string Body)> PostAsync(RelayFixture relay, string body)
    {
        using var http = new HttpClient { BaseAddress = new Uri(relay.ApiBase) };
        // SNS posts text/plain and sends no bearer token.
        using var response = await http.PostAsync(new Uri("/feedback/sns", UriKind.Relative), new StringContent(body, Encoding.UTF8, "text/plain"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    public async Task A_signed_complaint_kills_the_alias_and_a_replay_counts_once(string version)
    {
        await using var relay = await StartAsync();
        await relay.AddAliasAsync(Alias, Target);
        var source = await FeedbackEndToEndTests.ForwardOneAsync(relay, "hello");
        var signed = _sns.Notification(SesSamples.Complaint(source, "0100-a", "fb-1", Target), "sns-1", Topic, version);

        var first = await PostAsync(relay, signed);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(1, JsonDocument.Parse(first.Body).RootElement.GetProperty("applied").GetInt32());
        var replay = await PostAsync(relay, signed);
        Assert.Equal(HttpStatusCode.OK, replay.Status);
        Assert.Equal(1, JsonDocument.Parse(replay.Body).RootElement.GetProperty("duplicates").GetInt32());

        var alias = await FeedbackEndToEndTests.AliasAsync(relay);
        Assert.Equal((AliasStatus.Dead, 1), (alias.Status, alias.CountComplaint));
        Assert.Single(_sns.CertificateRequests); // cached

        using var http = new HttpClient { BaseAddress = new Uri(relay.ApiBase) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "s3cret");
        var counters = JsonDocument.Parse(await http.GetStringAsync(new Uri("/aliases/x7g2@mask.example.com/feedback", UriKind.Relative))).RootElement;
        Assert.Equal((1, 0), (counters.GetProperty("complaints").GetInt32(), counters.GetProperty("permanent_bounces").GetInt32()));
        Assert.Equal(1, JsonDocument.Parse(await http.GetStringAsync(new Uri("/aliases/x7g2@mask.example.com", UriKind.Relative))).RootElement.GetProperty("count_complaint").GetInt32());
    }

    [Fact]
    public async Task Forged_unsigned_off_list_or_badly_hosted_messages_get_403_and_change_nothing()
    {
        await using var relay = await StartAsync();
        await relay.AddAliasAsync(Alias, Target);
        var source = await FeedbackEndToEndTests.ForwardOneAsync(relay, "hello");
        var complaint = SesSamples.Complaint(source, "0100-a", "fb-1", Target);

        // The Message was changed after signing.
        var signed = JsonSerializer.Deserialize<Dictionary<string, string>>(_sns.Notification(SesSamples.Delivery(source, "0100-a", Target), "sns-1", Topic))!;
        signed["Message"] = complaint;
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(relay, JsonSerializer.Serialize(signed))).Status);

        var unsigned = JsonSerializer.Deserialize<Dictionary<string, string>>(_sns.Notification(complaint, "sns-2", Topic))!;
        unsigned.Remove("Signature");
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(relay, JsonSerializer.Serialize(unsigned))).Status);

        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(relay, _sns.Notification(complaint, "sns-3", "arn:aws:sns:us-east-1:999999999999:other"))).Status);
        var requestsBefore = _sns.CertificateRequests.Count;
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(relay, _sns.Notification(complaint, "sns-4", Topic, certUrl: "https://sns.us-east-1.amazonaws.com.evil.example/cert.pem"))).Status);
        Assert.Equal(requestsBefore, _sns.CertificateRequests.Count); // the bad URL was never fetched
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(relay, _sns.Notification(complaint, "sns-5", Topic, version: "3"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(relay, "not json")).Status);

        var alias = await FeedbackEndToEndTests.AliasAsync(relay);
        Assert.Equal((AliasStatus.Active, 0, 0), (alias.Status, alias.CountComplaint, alias.CountDelivery));
    }

    [Fact]
    public async Task A_missing_or_invalid_certificate_gets_403_an_unreachable_one_503_and_neither_changes_anything()
    {
        await using var relay = await StartAsync();
        await relay.AddAliasAsync(Alias, Target);
        var source = await FeedbackEndToEndTests.ForwardOneAsync(relay, "hello");
        var signed = _sns.Notification(SesSamples.Complaint(source, "0100-a", "fb-1", Target), "sns-1", Topic);

        // What HttpClient.GetStringAsync throws for a 404: the host answered, there is no such certificate.
        _sns.CertificateAnswer = _ => Task.FromException<string>(new HttpRequestException("Response status code does not indicate success: 404 (Not Found).", null, HttpStatusCode.NotFound));
        var missing = await PostAsync(relay, signed);
        Assert.Equal(HttpStatusCode.Forbidden, missing.Status);
        Assert.Contains("404", missing.Body, StringComparison.Ordinal);

        _sns.CertificateAnswer = _ => Task.FromResult("<html><body>Access denied</body></html>");
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(relay, signed)).Status);
        _sns.CertificateAnswer = _ => Task.FromResult("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(relay, signed)).Status);

        // Network failure, timeout (HttpClient's is a TaskCanceledException), or a 5xx: SNS should retry.
        _sns.CertificateAnswer = _ => Task.FromException<string>(new HttpRequestException("Connection refused", new System.Net.Sockets.SocketException(111)));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await PostAsync(relay, signed)).Status);
        _sns.CertificateAnswer = _ => Task.FromException<string>(new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 15 seconds elapsing.", new TimeoutException()));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await PostAsync(relay, signed)).Status);
        _sns.CertificateAnswer = _ => Task.FromException<string>(new HttpRequestException("Response status code does not indicate success: 503 (Service Unavailable).", null, HttpStatusCode.ServiceUnavailable));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await PostAsync(relay, signed)).Status);

        var alias = await FeedbackEndToEndTests.AliasAsync(relay);
        Assert.Equal((AliasStatus.Active, 0), (alias.Status, alias.CountComplaint));

        // Nothing bad was cached: once the certificate is reachable the same message is accepted.
        _sns.CertificateAnswer = null;
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(relay, signed)).Status);
        Assert.Equal(AliasStatus.Dead, (await FeedbackEndToEndTests.AliasAsync(relay)).Status);
    }

    [Fact]
    public async Task A_subscription_is_confirmed_only_for_an_allowed_topic_and_an_sns_subscribe_url()
    {
        await using var relay = await StartAsync();
        const string Url = "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=" + Topic + "&Token=2336412f37";
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(relay, _sns.Confirmation(Topic, Url))).Status);
        Assert.Equal([new Uri(Url)], _sns.Confirmations);

        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(relay, _sns.Confirmation("arn:aws:sns:us-east-1:999999999999:other", Url.Replace("ses-feedback", "other", StringComparison.Ordinal)))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(relay, _sns.Confirmation(Topic, "https://attacker.example/?Action=ConfirmSubscription"))).Status);
        Assert.Single(_sns.Confirmations);
    }

    public void Dispose() => _sns.Dispose();
}
