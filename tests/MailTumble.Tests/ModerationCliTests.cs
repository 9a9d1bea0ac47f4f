using System.Text;
using MailTumble.Hosting;
using MailTumble.Testing;

namespace MailTumble.Tests;

/// <summary>The moderation commands, run in-process on a temporary data directory.</summary>
public sealed class ModerationCliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private async Task<(int Code, string Out, string Err)> RunWithInputAsync(string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var configuration = MailTumbleConfiguration.Build(new Dictionary<string, string?> { ["MailTumble:DataDir"] = _dir.Path, ["Logging:LogLevel:Default"] = "Warning" });
        var code = await MailTumbleCli.RunAsync(args, output, error, () => new MemoryStream(Encoding.UTF8.GetBytes(stdin)), configuration);
        return (code, output.ToString(), error.ToString());
    }

    private Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => RunWithInputAsync(string.Empty, args);

    [Fact]
    public async Task An_alias_is_held_its_mail_listed_shown_and_approved_into_the_queue()
    {
        await RunAsync("alias", "add", "x7g2@mask.example.com", "john@real.example.org");
        var hold = await RunAsync("alias", "hold", "x7g2@mask.example.com");
        Assert.Equal((0, "x7g2@mask.example.com is held; 0 held message(s) waiting (held list --alias x7g2@mask.example.com)\n"), (hold.Code, hold.Out));
        Assert.Equal(67, (await RunAsync("alias", "hold", "nobody@mask.example.com")).Code);

        Assert.Equal(0, (await RunWithInputAsync("From: Shop <shop@brand.example>\nSubject: big sale\n\nEverything must go.\n", "receive", "--from", "bounce@esp.example", "--to", "x7g2@mask.example.com")).Code);
        var list = await RunAsync("held", "list", "--alias", "x7g2@mask.example.com");
        var fields = list.Out.TrimEnd('\n').Split('\t');
        Assert.Equal(["shop@brand.example", "x7g2@mask.example.com", "big sale"], fields[2..5]);
        Assert.Empty((await RunAsync("held", "list", "--older-than", "1h")).Out);

        var show = await RunAsync("held", "show", fields[0]);
        Assert.Contains("held      ", show.Out, StringComparison.Ordinal);
        Assert.Contains("alias held", show.Out, StringComparison.Ordinal);
        Assert.Contains("decision  waiting", show.Out, StringComparison.Ordinal);
        Assert.Contains("Subject: big sale", show.Out, StringComparison.Ordinal);
        Assert.Contains("Everything must go.", show.Out, StringComparison.Ordinal);
        Assert.Contains("depth             0", (await RunAsync("queue", "stats")).Out, StringComparison.Ordinal);

        Assert.Equal(64, (await RunAsync("held", "approve")).Code);
        Assert.Equal("approved 1\n", (await RunAsync("held", "approve", fields[0], "--reason", "known shop")).Out);
        Assert.Contains("depth             1", (await RunAsync("queue", "stats")).Out, StringComparison.Ordinal);
        var after = await RunAsync("held", "show", fields[0]);
        Assert.Contains("decision  approved by cli:", after.Out, StringComparison.Ordinal);
        Assert.Contains(": known shop", after.Out, StringComparison.Ordinal);
        Assert.Contains("is active", (await RunAsync("alias", "release", "x7g2@mask.example.com")).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sender_rules_are_set_listed_applied_and_removed()
    {
        await RunAsync("alias", "add", "x7g2@mask.example.com", "john@real.example.org");
        Assert.Equal("block @spam.example\n", (await RunAsync("sender", "block", "@SPAM.example")).Out);
        Assert.Equal("hold a@shop.example for x7g2@mask.example.com\n", (await RunAsync("sender", "hold", "a@shop.example", "--alias", "x7g2@mask.example.com")).Out);
        Assert.Equal(65, (await RunAsync("sender", "allow", "not an address")).Code);

        var rules = (await RunAsync("sender", "list")).Out;
        Assert.Contains("block\t@spam.example\t*\t", rules, StringComparison.Ordinal);
        Assert.Contains("hold\ta@shop.example\tx7g2@mask.example.com\t", rules, StringComparison.Ordinal);

        var blocked = await RunWithInputAsync("From: x@spam.example\n\nhi\n", "receive", "--from", "x@spam.example", "--to", "x7g2@mask.example.com");
        Assert.Equal(77, blocked.Code);
        Assert.StartsWith("mailtumble: 550 5.7.1", blocked.Err, StringComparison.Ordinal);

        Assert.Equal(0, (await RunWithInputAsync("From: a@shop.example\nSubject: one\n\nhi\n", "receive", "--from", "a@shop.example", "--to", "x7g2@mask.example.com")).Code);
        Assert.Contains("a@shop.example", (await RunAsync("held", "list", "--sender", "@shop.example")).Out, StringComparison.Ordinal);
        Assert.Equal("rejected 1\n", (await RunAsync("held", "reject", "--all", "--reason", "test")).Out);
        Assert.Empty((await RunAsync("held", "list")).Out);

        Assert.Equal(0, (await RunAsync("sender", "rm", "@spam.example")).Code);
        Assert.Equal(67, (await RunAsync("sender", "rm", "@spam.example")).Code);
        Assert.Equal(0, (await RunWithInputAsync("From: x@spam.example\n\nhi\n", "receive", "--from", "x@spam.example", "--to", "x7g2@mask.example.com")).Code);

        Assert.Equal("first-contact on for every alias\n", (await RunAsync("sender", "first-contact", "on")).Out);
        Assert.Equal(0, (await RunWithInputAsync("From: new@else.example\n\nhi\n", "receive", "--to", "x7g2@mask.example.com")).Code);
        Assert.Contains("new@else.example", (await RunAsync("held", "list")).Out, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}
