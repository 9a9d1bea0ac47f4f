using System.Text;
using System.Text.Json;
using MailTumble.Core.Feedback;
using MailTumble.Core.Feedback.Sns;
using MailTumble.Testing.Feedback;

namespace MailTumble.Core.Tests;

public sealed class FeedbackParserTests
{
    private const string Source = "bounces+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@mask.example.com";

    private static IReadOnlyList<FeedbackEvent> Ses(string json)
    {
        using var document = JsonDocument.Parse(json);
        return SesNotificationParser.Parse(document.RootElement, "sns-1");
    }

    private static IReadOnlyList<FeedbackEvent> Mail(string text, string? envelope = null)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        // Through the parser's own loader, as the processor does: MimeKit must not start before the code-page provider.
        var message = MailReportParser.LoadAsync(new MemoryStream(bytes), default).GetAwaiter().GetResult();
        return MailReportParser.Parse(message, bytes, envelope, FeedbackOrigin.Smtp);
    }

    [Fact]
    public void A_permanent_bounce_with_several_recipients_is_one_event_each_keyed_by_feedback_id()
    {
        var events = Ses(SesSamples.Bounce(Source, "0100-msg", "Permanent", "General", "fb-1", "John@Real.example.org", "jane@real.example.org"));
        Assert.Equal(["john@real.example.org", "jane@real.example.org"], events.Select(e => e.Recipient));
        Assert.All(events, e => Assert.Equal((FeedbackType.Bounce, BounceType.Permanent, "General", "0100-msg", true), (e.Type, e.BounceType, e.SubType, e.ProviderMessageId, e.RecipientMustMatch)));
        Assert.Equal(["ses:fb-1:john@real.example.org", "ses:fb-1:jane@real.example.org"], events.Select(e => e.Key));
        Assert.Equal([Source], events[0].BounceAddresses);
        Assert.Contains("5.1.1", events[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_transient_bounce_keeps_its_sub_type()
    {
        var feedback = Assert.Single(Ses(SesSamples.Bounce(Source, "0100-msg", "Transient", "MailboxFull", "fb-2", "john@real.example.org")));
        Assert.Equal((BounceType.Transient, "MailboxFull"), (feedback.BounceType, feedback.SubType));
    }

    [Fact]
    public void Complaints_and_deliveries_are_read_from_event_records_and_notifications()
    {
        var complaint = Assert.Single(Ses(SesSamples.Complaint(Source, "0100-msg", "fb-3", "john@real.example.org")));
        Assert.Equal((FeedbackType.Complaint, "abuse", "ses:fb-3:john@real.example.org"), (complaint.Type, complaint.SubType, complaint.Key));

        var deliveries = Ses(SesSamples.Delivery(Source, "0100-msg", "john@real.example.org", "jane@real.example.org"));
        Assert.Equal(2, deliveries.Count);
        Assert.All(deliveries, d => Assert.Equal(FeedbackType.Delivery, d.Type));
        Assert.Equal("ses-delivery:0100-msg:jane@real.example.org", deliveries[1].Key);
    }

    [Fact]
    public void Other_notification_types_yield_nothing()
    {
        Assert.Empty(Ses("""{"notificationType":"AmazonSnsSubscriptionSucceeded","message":"ok"}"""));
        Assert.Empty(Ses("""{"eventType":"Open","open":{},"mail":{"messageId":"m"}}"""));
    }

    [Fact]
    public void A_dsn_gives_status_sub_type_and_the_envelope_and_returned_bounce_addresses()
    {
        var feedback = Assert.Single(Mail(MailReportSamples.Dsn(Source, "john@real.example.org", "5.2.2", "dsn-1@mx"), "bounces+zzz@mask.example.com"));
        Assert.Equal((FeedbackType.Bounce, BounceType.Permanent, "MailboxFull", "john@real.example.org"), (feedback.Type, feedback.BounceType, feedback.SubType, feedback.Recipient));
        Assert.Equal(["bounces+zzz@mask.example.com"], feedback.BounceAddresses);
        Assert.Equal("dsn:dsn-1@mx:john@real.example.org", feedback.Key);

        var delayed = Assert.Single(Mail(MailReportSamples.Dsn(Source, "john@real.example.org", "4.4.1", "dsn-2@mx", "delayed")));
        Assert.Equal(BounceType.Transient, delayed.BounceType);
        Assert.Equal([Source], delayed.BounceAddresses); // a saved report: found in its To and returned headers
        Assert.Equal("MessageTooLarge", Assert.Single(Mail(MailReportSamples.Dsn(Source, "j@x.example", "5.3.4", "dsn-3@mx"))).SubType);
    }

    [Fact]
    public void An_arf_report_is_a_complaint_attributed_through_original_mail_from()
    {
        var feedback = Assert.Single(Mail(MailReportSamples.Arf(Source, "john@real.example.org", "arf-1@isp"), "fbl@mask.example.com"));
        Assert.Equal((FeedbackType.Complaint, "abuse", "john@real.example.org"), (feedback.Type, feedback.SubType, feedback.Recipient));
        Assert.Equal([Source], feedback.BounceAddresses);
    }

    [Theory]
    [InlineData("Sorry, no mailbox here by that name. (#5.1.1)", BounceType.Permanent, "NoEmail")]
    [InlineData("552 mailbox full", BounceType.Transient, "MailboxFull")]
    [InlineData("This user is over quota", BounceType.Transient, "MailboxFull")]
    [InlineData("Message rejected: 5.3.4 message too big", BounceType.Permanent, "MessageTooLarge")]
    [InlineData("User unknown", BounceType.Permanent, "NoEmail")]
    [InlineData("Your message has been delayed; we will retry", BounceType.Transient, "General")]
    [InlineData("Thank you for your mail, I am on holiday", BounceType.Undetermined, "General")]
    public void A_non_standard_bounce_is_classified_from_its_text(string reason, BounceType type, string subType)
    {
        var feedback = Assert.Single(Mail(MailReportSamples.Plain(Source, "john@real.example.org", reason, "p-1@old")));
        Assert.Equal((FeedbackType.Bounce, type, subType), (feedback.Type, feedback.BounceType, feedback.SubType));
        Assert.Equal([Source], feedback.BounceAddresses);
    }

    public static TheoryData<string, string> SavedFreeTextBounces() => new()
    {
        { "exim", MailReportSamples.Exim(Source, "john@real.example.org", "exim-1@mx.exim.example") },
        { "yahoo", MailReportSamples.Yahoo(Source, "john@real.example.org", "yahoo-1@yahoo.com") },
        { "gmail", MailReportSamples.Gmail(Source, "john@real.example.org", "gmail-1@google.com") },
        { "office365", MailReportSamples.Office365(Source, "john@real.example.org", "o365-1@outlook.com") },
    };

    [Theory]
    [MemberData(nameof(SavedFreeTextBounces))]
    public void A_saved_free_text_bounce_is_attributed_through_the_bounce_address_in_the_returned_message(string provider, string text)
    {
        // From a file: no envelope recipient, and the saved copy is addressed to the operator, not the bounce address.
        var feedback = Assert.Single(Mail(text));
        Assert.Equal(FeedbackType.Bounce, feedback.Type);
        Assert.True(feedback.BounceType == BounceType.Permanent, $"{provider}: {feedback.BounceType} {feedback.Detail}");
        Assert.Equal([Source], feedback.BounceAddresses);
    }

    [Fact]
    public void Ignored_reports_say_why()
    {
        static string? Why(string text)
        {
            var bytes = Encoding.ASCII.GetBytes(text);
            var message = MailReportParser.LoadAsync(new MemoryStream(bytes), default).GetAwaiter().GetResult();
            Assert.Empty(MailReportParser.Parse(message, bytes, null, FeedbackOrigin.File, out var ignored));
            return ignored;
        }

        Assert.Contains("ARF auth-failure report", Why(MailReportSamples.ArfAuthFailure(Source, "af-1@isp")), StringComparison.Ordinal);
        Assert.Contains("names none of our bounce addresses", Why(MailReportSamples.Exim("someone@else.example", "j@x.example", "e-2@mx")), StringComparison.Ordinal);
        Assert.Contains("no report", Why("From: a@b.example\r\nTo: c@d.example\r\nSubject: hi\r\n\r\nhello\r\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void Mail_that_is_not_a_report_and_names_no_bounce_address_is_ignored()
    {
        Assert.Empty(Mail("From: a@b.example\r\nTo: c@d.example\r\nSubject: hi\r\nMessage-ID: <x@y>\r\n\r\nhello\r\n"));
    }

    [Fact]
    public void The_sns_canonical_string_follows_the_documented_field_order()
    {
        using var document = JsonDocument.Parse(SesSamples.Envelope("{\"a\":1}", "m-1"));
        var sns = SnsMessage.Parse(document.RootElement);
        Assert.Equal("Message\n{\"a\":1}\nMessageId\nm-1\nTimestamp\n2026-11-28T04:00:02.000Z\nTopicArn\narn:aws:sns:us-east-1:123456789012:ses-feedback\nType\nNotification\n", sns.CanonicalString());
    }

    [Theory]
    [InlineData("https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem", true)]
    [InlineData("https://sns.eu-west-1.amazonaws.com/x.pem", true)]
    [InlineData("http://sns.us-east-1.amazonaws.com/x.pem", false)]
    [InlineData("https://sns.us-east-1.amazonaws.com.evil.example/x.pem", false)]
    [InlineData("https://evil.example/sns.us-east-1.amazonaws.com/x.pem", false)]
    [InlineData("https://sns.us-east-1.amazonaws.com:8443/x.pem", false)]
    [InlineData("https://user@sns.us-east-1.amazonaws.com/x.pem", false)]
    [InlineData("https://sns.us-east-1.amazonaws.com/x.pem.txt", false)]
    [InlineData("https://s3.amazonaws.com/x.pem", false)]
    public void Signing_certificates_come_only_from_sns_hosts(string url, bool allowed) =>
        Assert.Equal(allowed, SnsVerifier.IsSnsUrl(url, pem: true));
}
