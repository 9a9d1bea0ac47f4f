using MailTumble.Core.Aliases;
using MailTumble.Core.Feedback;
using MailTumble.Testing;
using Microsoft.Extensions.DependencyInjection;
using SmtpServer.Protocol;
using SmtpResponse = SmtpServer.Protocol.SmtpResponse;

namespace MailTumble.Tests;

/// <summary>A DSN written by a real MTA: MailTumble sends through Postfix, the far end refuses, Postfix bounces back to the signed address.</summary>
public sealed class PostfixDsnTests
{
    [SkippableFact]
    public async Task A_postfix_bounce_comes_back_to_the_bounce_address_and_counts_against_the_alias()
    {
        Skip.IfNot(PostfixInstance.Available(), "Postfix is not installed (apt-get install postfix, or run .ci/run); this test needs it to produce a real DSN");
        await using var farEnd = new TestSmtpSink { Responder = _ => new SmtpResponse((SmtpReplyCode)550, "5.1.1 <john@real.example.org>: Recipient address rejected: User unknown") };
        var postfixPort = TestSmtpSink.FreePort();
        await using var relay = await RelayFixture.StartAsync(new()
        {
            ["MailTumble:Outbound:Smtp:Port"] = postfixPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
        await using var postfix = await PostfixInstance.StartAsync(postfixPort, farEnd.Port, relay.SmtpPort);

        await FeedbackEndToEndTests.SendAsync(relay.SmtpPort, "to be bounced");
        var directory = relay.Services.GetRequiredService<IAliasDirectory>();
        try
        {
            await Eventually.TrueAsync(async () => (await directory.LookupAsync("x7g2@mask.example.com", default)).Alias!.CountBounce > 0, "Postfix's DSN counted a bounce", TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            // Said below, with Postfix's log.
        }

        Assert.True((await directory.LookupAsync("x7g2@mask.example.com", default)).Alias!.CountBounce == 1, "no bounce counted; Postfix log:\n" + postfix.Log);
        Assert.True(farEnd.Attempts >= 1);
        var summary = await relay.Services.GetRequiredService<IFeedbackStore>().GetSummaryAsync("x7g2@mask.example.com", default);
        Assert.Equal((1, 0), (summary.PermanentBounces, summary.TransientBounces));
        Assert.Equal(1, summary.BounceSubTypes["NoEmail"]);
    }
}
