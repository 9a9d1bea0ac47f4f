using System.Text;
using System.Text.Json;
using MailTumble.Aws.Feedback;
using MailTumble.Aws.Notifications;
using MailTumble.Core.Feedback;
using MailTumble.Testing.Feedback;

namespace MailTumble.Aws.Tests;

/// <summary>SES bounce, complaint and delivery notifications, SNS envelopes and their signing rules, as the AWS adapter reads them.</summary>
public sealed class SesFeedbackParserTests
{
    private const string Source = "bounces+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@mask.example.com";

    private static IReadOnlyList<FeedbackEvent> Ses(string json)
    {
        using var document = JsonDocument.Parse(json);
        return SesNotificationParser.ParseFeedback(document.RootElement, "sns-1");
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
    public void An_ses_notification_delivered_as_an_sns_email_body_is_read_as_the_ses_notification()
    {
        var reader = new SesFeedbackReader();
        string JsonIn(byte[] saved) => Encoding.UTF8.GetString(SavedReport.Read(saved, reader).Content.Span);

        var complaint = SesSamples.Complaint(Source, "0100-mail", "cf-mail", "john@real.example.org");
        var json = JsonIn(Encoding.ASCII.GetBytes(MailReportSamples.SnsEmail(complaint, "sns-mail-1@sns.amazonaws.com")));
        var feedback = Assert.Single(Ses(json));
        Assert.Equal((FeedbackType.Complaint, "0100-mail"), (feedback.Type, feedback.ProviderMessageId));
        Assert.Equal([Source], feedback.BounceAddresses);

        // email-json: the SNS envelope is the body, taken whole (so it is checked as a saved envelope is).
        var envelope = SesSamples.Envelope(complaint, "sns-2");
        var wrapped = JsonIn(Encoding.ASCII.GetBytes(MailReportSamples.SnsEmail(envelope, "sns-mail-2@sns.amazonaws.com")));
        Assert.Equal(envelope, wrapped);

        // Any other mail, and JSON itself, are left as they are.
        var plain = Encoding.ASCII.GetBytes("From: a@b.example\r\nSubject: hi\r\n\r\n{\"hello\": 1}\r\n");
        Assert.Equal(plain, SavedReport.Read(plain, reader).Content.ToArray());
        Assert.Equal(Encoding.ASCII.GetBytes(complaint), SavedReport.Read(Encoding.ASCII.GetBytes(complaint), reader).Content.ToArray());
    }

    [Fact]
    public void The_reader_reads_envelopes_and_raw_notifications_alike_and_says_what_is_no_report()
    {
        var reader = new SesFeedbackReader();
        var bounce = SesSamples.Bounce(Source, "0100-r", "Permanent", "General", "fb-r", "john@real.example.org");

        var viaSns = Assert.Single(reader.Read(SesSamples.Envelope(bounce, "sns-r")).Events);
        var raw = Assert.Single(reader.Read(bounce).Events);
        Assert.Equal(("ses:fb-r:john@real.example.org", FeedbackType.Bounce), (viaSns.Key, viaSns.Type));
        Assert.Equal(viaSns, raw with { BounceAddresses = viaSns.BounceAddresses }); // the list is compared by reference
        Assert.Equal([Source], raw.BounceAddresses);
        Assert.Equal([Source], viaSns.BounceAddresses);

        var confirmation = reader.Read(SesSamples.Envelope("{}", "sns-c").Replace("\"Notification\"", "\"SubscriptionConfirmation\"", StringComparison.Ordinal));
        Assert.Equal((0, "SNS message sns-c: a SubscriptionConfirmation, not a notification", null), (confirmation.Events.Count, confirmation.NotAReport, confirmation.IgnoredId));

        var foreign = reader.Read(SesSamples.Envelope("""{"hello":1}""", "sns-f"));
        Assert.Equal((0, "SNS message sns-f: not an SES bounce, complaint or delivery notification", "sns-f"), (foreign.Events.Count, foreign.NotAReport, foreign.IgnoredId));

        Assert.Throws<FormatException>(() => reader.Read("not json"));
        Assert.Throws<FormatException>(() => reader.Read("""{"hello":1}"""));
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
