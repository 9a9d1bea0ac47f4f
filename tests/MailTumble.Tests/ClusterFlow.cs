using System.Diagnostics;
using MailTumble.Testing;

namespace MailTumble.Tests;

/// <summary>
/// The steps the multi-process cluster tests of every shared family (PostgreSQL, AWS) have in common: wait until each
/// node uses its share of the rate, take mail in held on every node, approve it from another node's CLI, and check that
/// every message that got a 250 reached the provider stand-in.
/// </summary>
internal static class ClusterFlow
{
    /// <summary>The alias every node's map has, for john@real.example.org.</summary>
    public const string Alias = PostgresServe.Alias;

    /// <summary>Waits until every node has logged that it uses <paramref name="share"/> (e.g. "10/s of 30/s").</summary>
    public static Task EveryNodeUsesAsync(IEnumerable<RelayProcess> nodes, string share) => Eventually.TrueAsync(
        () => nodes.All(n => n.Output.Contains($"Send rate share now {share}", StringComparison.Ordinal)),
        $"every node uses {share}",
        TimeSpan.FromSeconds(30));

    /// <summary>
    /// Holds mail from @brand.example (a rule set from the second node's CLI), then sends <paramref name="messages"/>
    /// ("PREFIX i") to the nodes round robin from six clients, each getting its 250. Approved afterwards, the mail is all
    /// queued when the drain starts, so the provider stand-in measures pacing, not how fast a loaded machine takes it in.
    /// Returns how long the sends took.
    /// </summary>
    public static async Task<TimeSpan> TakeInHeldAsync(string root, IReadOnlyList<Dictionary<string, string>> configs, int messages, string prefix)
    {
        var (code, output) = await RelayProcess.RunAsync(root, configs[1], "sender", "hold", "@brand.example");
        Assert.True(code == 0, output);
        var started = Stopwatch.GetTimestamp();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < messages)
            {
                await SendAsync(configs[i % configs.Count], $"{prefix} {i}");
            }
        })));
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>Approves every held message with <paramref name="config"/>'s CLI.</summary>
    public static async Task ApproveAllAsync(string root, Dictionary<string, string> config)
    {
        var (code, output) = await RelayProcess.RunAsync(root, config, "held", "approve", "--all");
        Assert.True(code == 0, output);
    }

    /// <summary>Waits until the sink has "PREFIX 0" to "PREFIX n-1", each at least once, and nothing else.</summary>
    public static async Task EveryMessageDeliveredAsync(TestSmtpSink sink, int messages, string prefix)
    {
        await Eventually.TrueAsync(
            () => sink.Messages.Select(m => m.Header("Subject")).Distinct().Count() == messages,
            "every message that got a 250 is delivered",
            TimeSpan.FromSeconds(120));
        Assert.Equal(
            Enumerable.Range(0, messages).Select(i => $"{prefix} {i}").Order(StringComparer.Ordinal),
            sink.Messages.Select(m => m.Header("Subject")!).Distinct().Order(StringComparer.Ordinal));
    }

    /// <summary>Sends one message for <see cref="Alias"/> to <paramref name="node"/> and checks both 250s.</summary>
    public static async Task SendAsync(Dictionary<string, string> node, string subject)
    {
        var (recipients, data) = await RelaySmtp.TransactAsync(
            PostgresServe.SmtpPort(node), "shop@brand.example", [Alias], $"From: Shop <shop@brand.example>\r\nSubject: {subject}\r\n\r\nthe body of {subject}\r\n");
        Assert.StartsWith("250", Assert.Single(recipients));
        Assert.StartsWith("250", data);
    }
}
