using MailTumble.Core.Sending;

namespace MailTumble.Core.Tests;

public sealed class ReplyClassifierTests
{
    private readonly ReplyClassifier _classifier = new();

    [Theory]
    [InlineData(250, "2.0.0 Ok", SendOutcome.Sent)]
    [InlineData(454, "Throttling failure: Maximum sending rate exceeded.", SendOutcome.Throttled)]
    [InlineData(421, "4.7.0 Too many connections", SendOutcome.Throttled)]
    [InlineData(450, "4.7.1 Rate limited", SendOutcome.Throttled)]
    [InlineData(451, "4.7.1 Too many messages, slow down", SendOutcome.Throttled)]
    [InlineData(421, "4.7.0 Error: too many messages in a short time", SendOutcome.Throttled)]
    [InlineData(450, "4.7.1 Sending rate limit exceeded for this account", SendOutcome.Throttled)]
    [InlineData(451, "You have exceeded the maximum sending rate", SendOutcome.Throttled)]
    [InlineData(450, "4.7.1 Greylisted, try again later", SendOutcome.TransientFailure)]
    [InlineData(451, "4.7.1 Please try again later", SendOutcome.TransientFailure)]
    [InlineData(450, "4.2.0 <john@real.example.org>: Recipient address rejected: Greylisted, see https://postgrey.schweikert.ch/help/real.example.org.html", SendOutcome.TransientFailure)]
    [InlineData(451, "4.7.1 Try again later", SendOutcome.TransientFailure)]
    [InlineData(421, "4.3.2 Service shutting down", SendOutcome.TransientFailure)]
    [InlineData(421, "4.7.0 Unusual rate of unsolicited mail from your IP", SendOutcome.TransientFailure)]
    [InlineData(454, "Throttling failure: Daily message quota exceeded.", SendOutcome.QuotaExceeded)]
    [InlineData(451, "4.3.0 Temporary lookup failure", SendOutcome.TransientFailure)]
    [InlineData(452, "4.2.2 Mailbox full", SendOutcome.TransientFailure)]
    [InlineData(550, "5.1.1 User unknown", SendOutcome.PermanentFailure)]
    [InlineData(554, "5.7.1 Message rejected", SendOutcome.PermanentFailure)]
    public void Replies_are_classified(int code, string text, SendOutcome expected)
    {
        Assert.Equal(expected, _classifier.Classify(code, text));
    }

    [Fact]
    public void Patterns_are_a_setting()
    {
        var classifier = new ReplyClassifier(["^452 .*slow down"]);
        Assert.Equal(SendOutcome.Throttled, classifier.Classify(452, "452 please slow down"));
        Assert.Equal(SendOutcome.TransientFailure, classifier.Classify(421, "421 bye"));
    }
}
