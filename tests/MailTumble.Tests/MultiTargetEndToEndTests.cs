using MailTumble.Core.Bounces;
using MailTumble.Core.Aliases;
using MailTumble.Core.Queue;
using Microsoft.Extensions.DependencyInjection;
using SmtpServer.Protocol;

namespace MailTumble.Tests;

/// <summary>An alias with several targets, over real SMTP in and out: one item per target, and a dead target stops nobody.</summary>
public sealed class MultiTargetEndToEndTests
{
    private const string Alias = "team@mask.example.com";

    [Fact]
    public async Task One_message_goes_to_every_live_target_while_a_dead_and_a_refusing_target_do_not_stop_it()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync(Alias, "good@real.example.org,refuses@real.example.org,gone@real.example.org");
        var admin = relay.Services.GetRequiredService<IAliasAdmin>();
        // gone@ complained before: the directory knows it dead. refuses@ is alive but its server refuses the mail for good.
        Assert.True(await admin.RecordFeedbackAsync(Alias, "gone@real.example.org", FeedbackKind.Complaint, default));
        relay.Sink.RecipientResponder = to => to == "refuses@real.example.org" ? new SmtpResponse((SmtpReplyCode)550, "5.1.1 no such user") : null;

        var alias = (await relay.Services.GetRequiredService<IAliasDirectory>().LookupAsync(Alias, default)).Alias!;
        Assert.Equal((AliasStatus.Active, 2), (alias.Status, alias.LiveTargets.Count));
        Assert.StartsWith("250", await RelaySmtp.RcptAsync(relay, Alias));

        await RelaySmtp.SendAsync(relay, "for the team", Alias);
        await RelaySmtp.SendAsync(relay, "control", Alias);
        var stats = await relay.WaitForIdleAsync();

        // The live target got both messages; the refusing one's two deliveries are dead letters; the dead one got nothing.
        var received = relay.Sink.Messages.ToList();
        Assert.Equal(["control", "for the team"], received.Where(m => m.To.SequenceEqual(["good@real.example.org"])).Select(m => m.Header("Subject")).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(received, m => m.To.Contains("gone@real.example.org"));
        Assert.DoesNotContain(received, m => m.To.Contains("refuses@real.example.org"));
        Assert.Equal(2, stats.DeadLetters);
        var dead = await relay.Services.GetRequiredService<IOutgoingQueue>().ListDeadAsync(10, default);
        Assert.All(dead, d => Assert.Equal(("refuses@real.example.org", Alias), (d.Item.Recipient, d.Item.Alias)));

        // Each delivery has its own signed bounce address, naming its own target.
        var bounces = relay.Services.GetRequiredService<BounceAddress>();
        var good = received.Select(m => bounces.Check(m.From)).ToList();
        Assert.All(good, c => Assert.Equal(BounceStatus.Valid, c.Status));
        Assert.Equal(2, good.Select(c => c.DeliveryId).Distinct().Count());
    }
}
