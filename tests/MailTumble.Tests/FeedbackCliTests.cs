using System.Text;
using MailTumble.Cli;
using MailTumble.Core.Bounces;
using MailTumble.Core.Feedback;
using MailTumble.Hosting;
using MailTumble.Testing;
using MailTumble.Testing.Feedback;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Tests;

/// <summary><c>feedback ingest</c> and <c>alias show</c> on a temporary data directory.</summary>
public sealed class FeedbackCliTests : IDisposable
{
    private const string Alias = "x7g2@mask.example.com";
    private const string Target = "john@real.example.org";
    private readonly TempDirectory _dir = new();

    private Microsoft.Extensions.Configuration.IConfigurationRoot Configuration() =>
        MailTumbleConfiguration.Build(new Dictionary<string, string?> { ["MailTumble:DataDir"] = _dir.Path, ["Logging:LogLevel:Default"] = "Warning" });

    private async Task<(int Code, string Out, string Err)> RunAsync(string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await MailTumbleCli.RunAsync(args, output, error, () => new MemoryStream(Encoding.UTF8.GetBytes(stdin)), Configuration());
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>What the relay would have recorded when it sent one delivery; returns its bounce address.</summary>
    private async Task<string> SentAsync(string deliveryId)
    {
        await using var services = CliServices.Create(Configuration());
        await services.GetRequiredService<IFeedbackStore>().RecordDeliveryAsync(new SentDelivery(deliveryId, Alias, Target, null, DateTimeOffset.UtcNow), default);
        return services.GetRequiredService<BounceAddress>().Create(deliveryId, Target, "mask.example.com");
    }

    [Fact]
    public async Task A_saved_sns_message_and_a_piped_dsn_are_ingested_once_and_show_on_the_alias()
    {
        Assert.Equal(0, (await RunAsync(string.Empty, "alias", "add", Alias, Target)).Code);
        var bounce = await SentAsync(Guid.NewGuid().ToString("N"));
        var file = Path.Combine(_dir.Path, "sns.json");
        await File.WriteAllTextAsync(file, SesSamples.Envelope(SesSamples.Bounce(bounce, "0100-a", "Transient", "MailboxFull", "fb-1", Target), "sns-1"));

        var first = await RunAsync(string.Empty, "feedback", "ingest", file);
        Assert.Equal((0, "applied=1 duplicates=0 unattributed=0\n"), (first.Code, first.Out));
        Assert.Equal("applied=0 duplicates=1 unattributed=0\n", (await RunAsync(string.Empty, "feedback", "ingest", file)).Out);

        var dsn = MailReportSamples.Dsn(await SentAsync(Guid.NewGuid().ToString("N")), Target, "5.1.1", "dsn-1@mx.real.example.org");
        Assert.Equal("applied=1 duplicates=0 unattributed=0\n", (await RunAsync(dsn, "feedback", "ingest", "-")).Out);
        Assert.Equal("applied=0 duplicates=1 unattributed=0\n", (await RunAsync(dsn, "feedback", "ingest", "-")).Out);

        var show = await RunAsync(string.Empty, "alias", "show", Alias);
        Assert.True(show.Code == 0, show.Err);
        Assert.Contains("status           active\n", show.Out, StringComparison.Ordinal);
        Assert.Contains("count_bounce     1", show.Out, StringComparison.Ordinal);
        Assert.Contains("transient        1", show.Out, StringComparison.Ordinal);
        Assert.Contains("bounce types     MailboxFull=1, NoEmail=1", show.Out, StringComparison.Ordinal);

        Assert.Equal(67, (await RunAsync(string.Empty, "alias", "show", "nobody@mask.example.com")).Code);
        Assert.Equal(65, (await RunAsync("{\"hello\":1}", "feedback", "ingest", "-")).Code);
    }

    public void Dispose() => _dir.Dispose();
}
