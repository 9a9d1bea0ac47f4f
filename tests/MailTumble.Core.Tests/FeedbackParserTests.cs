using System.Text;
using MailTumble.Core.Feedback;
using MailTumble.Testing.Feedback;

namespace MailTumble.Core.Tests;

/// <summary>Feedback that arrives as mail (DSN, ARF, JMRP, free-text bounces); the SES/SNS formats are tested in MailTumble.Aws.Tests.</summary>
public sealed class FeedbackParserTests
{
    private const string Source = "bounces+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@mask.example.com";

    private static IReadOnlyList<FeedbackEvent> Mail(string text, string? envelope = null)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        // Through the parser's own loader, as the processor does: MimeKit must not start before the code-page provider.
        var message = MailReportParser.LoadAsync(new MemoryStream(bytes), default).GetAwaiter().GetResult();
        return MailReportParser.Parse(message, bytes, envelope, FeedbackOrigin.Smtp);
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
    public void A_microsoft_jmrp_report_is_a_complaint_attributed_through_the_bounce_address_of_the_attached_original()
    {
        // Delivered to the complaints address (no bounce address of ours), multipart/mixed, no feedback-report part.
        var feedback = Assert.Single(Mail(MailReportSamples.Jmrp(Source, "jmrp-1@hotmail.com"), "complaints@mask.example.com"));
        Assert.Equal(FeedbackType.Complaint, feedback.Type);
        Assert.Equal("abuse", feedback.SubType);
        Assert.Equal([Source], feedback.BounceAddresses);
        Assert.False(feedback.RecipientMustMatch);
        Assert.StartsWith("jmrp:jmrp-1@hotmail.com:", feedback.Key, StringComparison.Ordinal);
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
}
