using MailTumble.Core.Queue;
using MailTumble.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Tests;

/// <summary>
/// An idle relay and mail queued behind its back (<c>receive</c> from the CLI, another process on the same data
/// directory, whose enqueue this relay's signal never hears of): the send worker's idle poll finds it and sends it, and
/// announces it on the relay's queue signal, so the status loop and the lane monitor, which wait on that signal while
/// the queue is empty, look at once instead of after their idle interval.
/// </summary>
public sealed class IdleSendOutTests
{
    private const string Alias = "x7g2@mask.example.com";

    [Fact]
    public async Task Mail_queued_by_another_process_is_sent_and_wakes_the_relays_idle_waiters()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync(Alias, "john@real.example.org");
        await relay.WaitForIdleAsync();
        var activity = relay.Services.GetRequiredService<QueueSignal>().Activity;

        var configuration = MailTumbleConfiguration.Build(new Dictionary<string, string?> { ["MailTumble:DataDir"] = relay.DataDir, ["Logging:LogLevel:Default"] = "Warning" });
        var error = new StringWriter();
        var code = await MailTumbleCli.RunAsync(
            ["receive", "--from", "shop@brand.example", "--to", Alias],
            new StringWriter(),
            error,
            () => new MemoryStream("From: shop@brand.example\nSubject: queued elsewhere\n\nbody\n"u8.ToArray()),
            configuration);
        Assert.True(code == 0, $"receive exited {code}: {error}");

        var sent = Assert.Single(await relay.WaitForDeliveredAsync(1));
        Assert.Contains("Subject: queued elsewhere", sent.Text, StringComparison.Ordinal);

        // The worker announces what it found before it sends it.
        Assert.True(activity.IsCompleted, "the send worker that found the mail announced it on the relay's queue signal");
    }
}
