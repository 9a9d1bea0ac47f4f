using MailTumble.Core.Aliases;
using MailTumble.Hosting;
using MailTumble.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Tests;

/// <summary>
/// The CLI works while <c>serve</c> runs on the same data directory, and the running relay sees its changes at once
/// (within the directory's one-second change check), not when a cached answer expires.
/// </summary>
public sealed class CliWhileServingTests
{
    private const string Alias = "x7g2@mask.example.com";

    [Fact]
    public async Task Alias_add_hold_and_rm_from_the_cli_reach_the_running_relay_within_seconds()
    {
        await using var relay = await RelayFixture.StartAsync(new() { ["MailTumble:Domains:0"] = "mask.example.com" });

        // Asked before it exists: the running relay caches "unknown" (10 s by default).
        Assert.StartsWith("550 5.1.1", await RelaySmtp.RcptAsync(relay, Alias));

        Assert.Equal(0, await CliAsync(relay, "alias", "add", Alias, "john@real.example.org"));
        Assert.True(await WithinAsync(relay, reply => reply.StartsWith("250", StringComparison.Ordinal)), "the added alias was not accepted");

        Assert.Equal(0, await CliAsync(relay, "alias", "hold", Alias));
        var directory = relay.Services.GetRequiredService<IAliasDirectory>();
        Assert.True(
            await WithinAsync(async () => (await directory.LookupAsync(Alias, default)).Alias?.Status == AliasStatus.Held, "the running relay sees the alias held"),
            "the hold did not reach the running relay");
        await RelaySmtp.SendAsync(relay, "while held", Alias);
        Assert.Single(await ModerationTests.WaitForHeldAsync(relay, 1));
        Assert.Empty(relay.Sink.Messages);

        Assert.Equal(0, await CliAsync(relay, "alias", "rm", Alias));
        Assert.True(await WithinAsync(relay, reply => reply.StartsWith("550 5.1.1", StringComparison.Ordinal)), "the removed alias was still accepted");
    }

    private static async Task<int> CliAsync(RelayFixture relay, params string[] args)
    {
        var configuration = MailTumbleConfiguration.Build(new Dictionary<string, string?> { ["MailTumble:DataDir"] = relay.DataDir, ["Logging:LogLevel:Default"] = "Warning" });
        return await MailTumbleCli.RunAsync(args, new StringWriter(), new StringWriter(), () => Stream.Null, configuration);
    }

    /// <summary>Asks RCPT until the answer fits, for at most three seconds (the change check runs every second).</summary>
    private static Task<bool> WithinAsync(RelayFixture relay, Func<string, bool> fits) =>
        WithinAsync(async () => fits(await RelaySmtp.RcptAsync(relay, Alias)), "the RCPT reply fits");

    /// <summary>Whether <paramref name="fact"/> holds within three seconds (the change check runs every second).</summary>
    private static async Task<bool> WithinAsync(Func<Task<bool>> fact, string because)
    {
        try
        {
            await Eventually.TrueAsync(fact, because, TimeSpan.FromSeconds(3));
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
