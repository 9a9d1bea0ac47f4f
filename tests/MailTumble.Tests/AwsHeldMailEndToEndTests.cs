using MailTumble.Core.Aliases;
using MailTumble.Core.Moderation;
using MailTumble.Testing;
using Microsoft.Extensions.DependencyInjection;
using SmtpServer.Protocol;

namespace MailTumble.Tests;

/// <summary>
/// AWS mode, one message for a held and an active alias: the SQS delivery and the held entry share the stored
/// message in S3. Neither the delivery's ack nor a reject of the entry may delete it while the other still needs it.
/// </summary>
public sealed class AwsHeldMailEndToEndTests
{
    private const string Held = "held@mask.example.com";
    private const string Active = "active@mask.example.com";

    [SkippableFact]
    public async Task The_ack_of_the_active_delivery_keeps_the_stored_message_for_the_held_entry()
    {
        await using var run = await StartAsync();
        await RelaySmtp.SendAsync(run.Relay, "shared copy", Held, Active);
        Assert.Single(await run.Relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(30)));
        var entry = Assert.Single(await ModerationTests.WaitForHeldAsync(run.Relay, 1));

        // The active delivery is acked and done with its stored copy; that must have left the S3 copy alone.
        await run.Relay.WaitForIdleAsync();
        var moderator = run.Relay.Services.GetRequiredService<Moderator>();
        Assert.Equal(1, await moderator.ApproveAsync(new HeldQuery(Ids: [entry.Id]), "test", null, allowSender: false, default));
        var both = await run.Relay.Sink.WaitForAsync(2, TimeSpan.FromSeconds(30));
        Assert.Equal(2, both.Count);
        Assert.Equal(["held-target@real.example.org"], both[1].To);
        Assert.Contains("the body of shared copy", both[1].Text, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Rejecting_the_held_entry_keeps_the_stored_message_for_the_delivery_still_queued()
    {
        await using var run = await StartAsync();

        // The provider defers the first attempts, so the SQS delivery is still waiting when the entry is rejected.
        run.Relay.Sink.Responder = attempt => attempt <= 2 ? new SmtpResponse((SmtpReplyCode)451, "4.3.0 try again later") : null;
        await RelaySmtp.SendAsync(run.Relay, "deferred copy", Held, Active);
        var entry = Assert.Single(await ModerationTests.WaitForHeldAsync(run.Relay, 1));
        await Eventually.TrueAsync(() => run.Relay.Sink.Attempts >= 1, "the active delivery was tried (and deferred)", TimeSpan.FromSeconds(30));

        Assert.Equal(1, await run.Relay.Services.GetRequiredService<Moderator>().RejectAsync(new HeldQuery(Ids: [entry.Id]), "test", "spam", default));

        var mail = Assert.Single(await run.Relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(60)));
        Assert.Equal(["active-target@real.example.org"], mail.To);
        Assert.Contains("the body of deferred copy", mail.Text, StringComparison.Ordinal);
    }

    private static async Task<Run> StartAsync()
    {
        var aws = await AwsEmulator.CreateAsync();
        foreach (var (name, value) in AwsEmulator.CredentialVariables)
        {
            Environment.SetEnvironmentVariable(name, Environment.GetEnvironmentVariable(name) ?? value);
        }

        var relay = await RelayFixture.StartAsync(aws.Settings());
        await relay.AddAliasAsync(Held, "held-target@real.example.org");
        await relay.AddAliasAsync(Active, "active-target@real.example.org");
        await relay.Services.GetRequiredService<IAliasAdmin>().SetStatusAsync(Held, AliasStatus.Held, default);
        return new Run(aws, relay);
    }

    private sealed record Run(AwsEmulator Aws, RelayFixture Relay) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Relay.DisposeAsync();
            Aws.Dispose();
        }
    }
}
