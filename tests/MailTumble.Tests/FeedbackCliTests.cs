using System.Text;
using MailTumble.Aws.Feedback;
using MailTumble.Cli;
using MailTumble.Core.Bounces;
using MailTumble.Core.Feedback;
using MailTumble.Hosting;
using MailTumble.Testing;
using MailTumble.Testing.Feedback;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Tests;

/// <summary><c>feedback ingest</c> and <c>alias show</c> on a temporary data directory.</summary>
public sealed class FeedbackCliTests : IDisposable
{
    private const string Alias = "x7g2@mask.example.com";
    private const string Target = "john@real.example.org";
    private readonly TempDirectory _dir = new();

    private const string Topic = "arn:aws:sns:us-east-1:123456789012:ses-feedback";
    private readonly SnsSigner _sns = new();

    private Microsoft.Extensions.Configuration.IConfigurationRoot Configuration() =>
        MailTumbleConfiguration.Build(new Dictionary<string, string?>
        {
            ["MailTumble:DataDir"] = _dir.Path,
            ["MailTumble:Feedback:SnsTopicArns:0"] = Topic,
            ["Logging:LogLevel:Default"] = "Warning",
        });

    // The CLI's certificate downloads go to the test's SNS stand-in (the verifier still checks every URL's host first).
    private async Task<(int Code, string Out, string Err)> RunAsync(string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await MailTumbleCli.RunAsync(args, output, error, () => new MemoryStream(Encoding.UTF8.GetBytes(stdin)), Configuration(), s => s.AddSingleton<ISnsHttp>(_sns));
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>What the relay would have recorded when it sent one delivery; returns its bounce address.</summary>
    private async Task<string> SentAsync(string deliveryId)
    {
        await using var services = CliServices.Create(Configuration());
        await services.GetRequiredService<IFeedbackStore>().RecordDeliveryAsync(new SentDelivery(deliveryId, Alias, Target, null, DateTimeOffset.UtcNow), default);
        return services.GetRequiredService<BounceAddress>().Create(deliveryId, Target, "mask.example.com");
    }

    [Fact]
    public async Task A_saved_sns_message_and_a_piped_dsn_are_ingested_once_and_show_on_the_alias()
    {
        Assert.Equal(0, (await RunAsync(string.Empty, "alias", "add", Alias, Target)).Code);
        var bounce = await SentAsync(Guid.NewGuid().ToString("N"));
        var file = Path.Combine(_dir.Path, "sns.json");
        await File.WriteAllTextAsync(file, SesSamples.Envelope(SesSamples.Bounce(bounce, "0100-a", "Transient", "MailboxFull", "fb-1", Target), "sns-1"));

        // The sample envelope carries no real signature: only --unsigned applies it.
        var first = await RunAsync(string.Empty, "feedback", "ingest", "--unsigned", file);
        Assert.Equal((0, "applied=1 duplicates=0 unattributed=0\n"), (first.Code, first.Out));
        Assert.Equal("applied=0 duplicates=1 unattributed=0\n", (await RunAsync(string.Empty, "feedback", "ingest", "--unsigned", file)).Out);

        var dsn = MailReportSamples.Dsn(await SentAsync(Guid.NewGuid().ToString("N")), Target, "5.1.1", "dsn-1@mx.real.example.org");
        Assert.Equal("applied=1 duplicates=0 unattributed=0\n", (await RunAsync(dsn, "feedback", "ingest", "-")).Out);
        Assert.Equal("applied=0 duplicates=1 unattributed=0\n", (await RunAsync(dsn, "feedback", "ingest", "-")).Out);

        var show = await RunAsync(string.Empty, "alias", "show", Alias);
        Assert.True(show.Code == 0, show.Err);
        Assert.Contains("status           active\n", show.Out, StringComparison.Ordinal);
        Assert.Contains("count_bounce     1", show.Out, StringComparison.Ordinal);
        Assert.Contains("transient        1", show.Out, StringComparison.Ordinal);
        Assert.Contains("bounce types     MailboxFull=1, NoEmail=1", show.Out, StringComparison.Ordinal);

        Assert.Equal(67, (await RunAsync(string.Empty, "alias", "show", "nobody@mask.example.com")).Code);
        Assert.Equal(65, (await RunAsync("{\"hello\":1}", "feedback", "ingest", "-")).Code);
    }

    [Fact]
    public async Task Saved_free_text_bounces_from_exim_gmail_yahoo_and_office365_are_attributed_and_an_auth_failure_report_says_why_it_is_ignored()
    {
        Assert.Equal(0, (await RunAsync(string.Empty, "alias", "add", Alias, Target)).Code);
        var samples = new Func<string, string, string, string>[] { MailReportSamples.Exim, MailReportSamples.Gmail, MailReportSamples.Yahoo, MailReportSamples.Office365 };
        for (var i = 0; i < samples.Length; i++)
        {
            // Saved from the operator's mailbox: addressed to postmaster, our bounce address only in the returned message.
            var file = Path.Combine(_dir.Path, $"bounce-{i}.eml");
            await File.WriteAllTextAsync(file, samples[i](await SentAsync(Guid.NewGuid().ToString("N")), Target, $"free-{i}@mx.example"));
            var result = await RunAsync(string.Empty, "feedback", "ingest", file);
            Assert.True(result.Code == 0, $"sample {i}: {result.Code} {result.Out} {result.Err}");
            Assert.Equal("applied=1 duplicates=0 unattributed=0\n", result.Out);
        }

        Assert.Contains("count_bounce     4", (await RunAsync(string.Empty, "alias", "show", Alias)).Out, StringComparison.Ordinal);

        var report = Path.Combine(_dir.Path, "auth-failure.eml");
        await File.WriteAllTextAsync(report, MailReportSamples.ArfAuthFailure(await SentAsync(Guid.NewGuid().ToString("N")), "af-1@isp.example.net"));
        var ignored = await RunAsync(string.Empty, "feedback", "ingest", report);
        Assert.Equal(65, ignored.Code);
        Assert.Contains("<af-1@isp.example.net>: not a bounce, complaint or delivery report: an ARF auth-failure report", ignored.Err, StringComparison.Ordinal);

        var unrelated = Path.Combine(_dir.Path, "unrelated.eml");
        await File.WriteAllTextAsync(unrelated, MailReportSamples.Exim("someone@else.example", "j@x.example", "e-9@mx"));
        var none = await RunAsync(string.Empty, "feedback", "ingest", unrelated);
        Assert.Equal(65, none.Code);
        Assert.Contains("a bounce that names none of our bounce addresses", none.Err, StringComparison.Ordinal);
        Assert.Contains("count_bounce     4", (await RunAsync(string.Empty, "alias", "show", Alias)).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ses_notification_saved_from_an_sns_email_subscription_and_a_microsoft_jmrp_complaint_are_attributed_and_a_tampered_envelope_in_an_email_is_refused()
    {
        Assert.Equal(0, (await RunAsync(string.Empty, "alias", "add", Alias, Target)).Code);
        var email = Path.Combine(_dir.Path, "sns-email.eml");
        var bounce = SesSamples.Bounce(await SentAsync(Guid.NewGuid().ToString("N")), "0100-e", "Permanent", "General", "fb-email-1", Target);
        await File.WriteAllTextAsync(email, MailReportSamples.SnsEmail(bounce, "sns-email-1@sns.amazonaws.com"));
        var applied = await RunAsync(string.Empty, "feedback", "ingest", email);
        Assert.True(applied.Code == 0, $"{applied.Code} {applied.Out} {applied.Err}");
        Assert.Equal("applied=1 duplicates=0 unattributed=0\n", applied.Out);
        Assert.Contains("count_bounce     1", (await RunAsync(string.Empty, "alias", "show", Alias)).Out, StringComparison.Ordinal);

        // email-json: the envelope in the body is checked as a saved envelope is.
        var tampered = _sns.Notification(SesSamples.Complaint(await SentAsync(Guid.NewGuid().ToString("N")), "0100-f", "fb-email-2", Target), "sns-email-2", Topic)
            .Replace("0100-f", "0100-g", StringComparison.Ordinal);
        var wrapped = Path.Combine(_dir.Path, "sns-email-json.eml");
        await File.WriteAllTextAsync(wrapped, MailReportSamples.SnsEmail(tampered, "sns-email-2@sns.amazonaws.com"));
        var refused = await RunAsync(string.Empty, "feedback", "ingest", wrapped);
        Assert.Equal((65, true), (refused.Code, refused.Err.Contains("sns-email-2 from " + Topic + ": the signature does not match", StringComparison.Ordinal)));
        Assert.Contains("count_complaint  0", (await RunAsync(string.Empty, "alias", "show", Alias)).Out, StringComparison.Ordinal);

        var jmrp = Path.Combine(_dir.Path, "jmrp.eml");
        await File.WriteAllTextAsync(jmrp, MailReportSamples.Jmrp(await SentAsync(Guid.NewGuid().ToString("N")), "jmrp-1@hotmail.com"));
        var complaint = await RunAsync(string.Empty, "feedback", "ingest", jmrp);
        Assert.True(complaint.Code == 0, $"{complaint.Code} {complaint.Out} {complaint.Err}");
        Assert.Equal("applied=1 duplicates=0 unattributed=0\n", complaint.Out);
        var show = (await RunAsync(string.Empty, "alias", "show", Alias)).Out;
        Assert.Contains("count_complaint  1", show, StringComparison.Ordinal);
        Assert.Contains("status           dead\n", show, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_sns_envelope_with_a_forged_signature_and_a_foreign_certificate_url_is_refused_and_the_alias_lives()
    {
        Assert.Equal(0, (await RunAsync(string.Empty, "alias", "add", Alias, Target)).Code);
        var bounce = await SentAsync(Guid.NewGuid().ToString("N"));
        var genuine = _sns.Notification(SesSamples.Complaint(bounce, "0100-a", "fb-1", Target), "sns-1", Topic);
        var forged = genuine.Replace(SnsSigner.CertUrl, "https://attacker.example/SimpleNotificationService-x.pem", StringComparison.Ordinal);

        var refused = await RunAsync(forged, "feedback", "ingest", "-");
        Assert.Equal(65, refused.Code);
        Assert.Equal(string.Empty, refused.Out);
        Assert.Contains("mailtumble: refused SNS message sns-1 from " + Topic + ": SigningCertURL is not an https .pem URL on an sns.<region>.amazonaws.com host", refused.Err, StringComparison.Ordinal);
        Assert.Contains("--unsigned", refused.Err, StringComparison.Ordinal);
        Assert.Empty(_sns.CertificateRequests);

        // A signature that does not match its text, from the real certificate URL.
        var tampered = _sns.Notification(SesSamples.Complaint(bounce, "0100-b", "fb-2", Target), "sns-2", Topic).Replace("0100-b", "0100-c", StringComparison.Ordinal);
        var mismatch = await RunAsync(tampered, "feedback", "ingest", "-");
        Assert.Equal((65, true), (mismatch.Code, mismatch.Err.Contains("sns-2 from " + Topic + ": the signature does not match", StringComparison.Ordinal)));

        // From a topic that is not ours, however well signed.
        var foreign = await RunAsync(_sns.Notification(SesSamples.Complaint(bounce, "0100-d", "fb-3", Target), "sns-3", "arn:aws:sns:us-east-1:999999999999:other"), "feedback", "ingest", "-");
        Assert.Equal((65, true), (foreign.Code, foreign.Err.Contains("not on MailTumble:Feedback:SnsTopicArns", StringComparison.Ordinal)));

        var show = await RunAsync(string.Empty, "alias", "show", Alias);
        Assert.Contains("status           active\n", show.Out, StringComparison.Ordinal);
        Assert.Contains("count_complaint  0", show.Out, StringComparison.Ordinal);

        // The genuine one, as the HTTP endpoint would take it, is applied: the complaint kills the alias.
        var applied = await RunAsync(genuine, "feedback", "ingest", "-");
        Assert.Equal((0, "applied=1 duplicates=0 unattributed=0\n"), (applied.Code, applied.Out));
        Assert.Contains("status           dead\n", (await RunAsync(string.Empty, "alias", "show", Alias)).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_saved_sns_envelope_whose_certificate_cannot_be_fetched_exits_75_and_names_unsigned()
    {
        Assert.Equal(0, (await RunAsync(string.Empty, "alias", "add", Alias, Target)).Code);
        var bounce = await SentAsync(Guid.NewGuid().ToString("N"));
        _sns.CertificateAnswer = _ => throw new HttpRequestException("Connection refused");
        var result = await RunAsync(_sns.Notification(SesSamples.Complaint(bounce, "0100-a", "fb-1", Target), "sns-9", Topic), "feedback", "ingest", "-");
        Assert.Equal(75, result.Code);
        Assert.Contains("cannot check the signature of SNS message sns-9", result.Err, StringComparison.Ordinal);
        Assert.Contains("--unsigned", result.Err, StringComparison.Ordinal);
        Assert.Contains("status           active\n", (await RunAsync(string.Empty, "alias", "show", Alias)).Out, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _sns.Dispose();
        _dir.Dispose();
    }
}
