using System.Globalization;
using MailTumble.Testing;

namespace MailTumble.Tests;

/// <summary>
/// Where settings come from, in a real relay process: <c>mailtumble.json</c> in the working directory, then the
/// original system's variables (<c>FROM_EMAIL</c>, <c>SUBJECT_PREFIX</c>, <c>MAXIMUM_SEND_RATE</c>), then
/// <c>MailTumble__…</c> variables, last wins.
/// </summary>
public sealed class ConfigurationTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private async Task WriteJsonAsync(int smtpPort) => await File.WriteAllTextAsync(Path.Combine(_dir.Path, "mailtumble.json"), $$"""
        {
          "MailTumble": {
            "DataDir": "jsondata",
            "Smtp": { "Listen": "127.0.0.1:{{smtpPort}}", "ServerName": "json.test" },
            "Api": { "Listen": "127.0.0.1:0" },
            "Outbound": { "MaxSendRate": 3 },
            "Rewrite": { "SubjectPrefix": "[json]" }
          },
          "Logging": { "LogLevel": { "Default": "Warning" } }
        }
        """);

    [Fact]
    public async Task The_json_file_is_read_the_original_variables_apply_and_MailTumble_variables_override_the_file()
    {
        var jsonPort = TestSmtpSink.FreePort();
        var envPort = TestSmtpSink.FreePort();
        await WriteJsonAsync(jsonPort);
        var env = new Dictionary<string, string>
        {
            ["MailTumble__Smtp__Listen"] = $"127.0.0.1:{envPort.ToString(CultureInfo.InvariantCulture)}",
            ["FROM_EMAIL"] = "forwarder@relay.example.org",
            ["SUBJECT_PREFIX"] = "[masked]",
            ["MAXIMUM_SEND_RATE"] = "7",
        };

        var (code, text) = await RelayProcess.RunAsync(_dir.Path, env, "alias", "add", "x7g2@mask.example.com", "john@real.example.org");
        Assert.True(code == 0, text);
        var dataDir = Path.Combine(_dir.Path, "jsondata");
        Assert.True(File.Exists(Path.Combine(dataDir, "mailtumble.db")), "the alias was not written to the DataDir from mailtumble.json");

        await using var relay = await RelayProcess.StartAsync(_dir.Path, env);
        var banner = await BannerAsync(relay);
        Assert.Contains($"SMTP       127.0.0.1:{envPort}", banner, StringComparison.Ordinal);
        Assert.Contains($"data       {dataDir} ", banner, StringComparison.Ordinal);
        Assert.Contains("send rate  7 per second", banner, StringComparison.Ordinal);

        // ServerName comes from the file (nothing overrides it); the port from the environment.
        await using var client = await SmtpWireClient.ConnectAsync(envPort);
        Assert.StartsWith("220 json.test ESMTP", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<shop@brand.example>"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<x7g2@mask.example.com>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        await client.SendAsync("From: Shop <shop@brand.example>\r\nSubject: Hello\r\n\r\nhi\r\n.\r\n");
        Assert.StartsWith("250", await client.ReadReplyAsync());

        // No smarthost configured: the delivery lands in the outbox, rewritten by FROM_EMAIL and SUBJECT_PREFIX.
        var outbox = Path.Combine(dataDir, "outbox");
        string? file = null;
        try
        {
            file = await Eventually.ValueAsync(
                () => Directory.Exists(outbox) ? Directory.EnumerateFiles(outbox, "*.eml").FirstOrDefault() : null,
                found => found is not null,
                "the delivery is in the outbox",
                TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            // Said below, with what the relay printed.
        }

        Assert.True(file is not null, "nothing reached the outbox:\n" + relay.Output);
        var headers = (await File.ReadAllTextAsync(file)).Split("\r\n\r\n")[0].Split("\r\n");
        Assert.Contains("From: Shop <forwarder@relay.example.org>", headers);
        Assert.Contains("Subject: [masked] Hello", headers);
        Assert.Contains(headers, h => h.StartsWith("Reply-To: Shop <x7g2+shop=brand.example.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MailTumble_variables_override_the_original_ones_and_the_file()
    {
        var port = TestSmtpSink.FreePort();
        await WriteJsonAsync(port);
        var env = new Dictionary<string, string>
        {
            ["MAXIMUM_SEND_RATE"] = "7",
            ["MailTumble__Outbound__MaxSendRate"] = "9",
            ["MailTumble__DataDir"] = Path.Combine(_dir.Path, "envdata"),
        };

        await using var relay = await RelayProcess.StartAsync(_dir.Path, env);
        var banner = await BannerAsync(relay);
        Assert.Contains("send rate  9 per second", banner, StringComparison.Ordinal);
        Assert.Contains($"data       {Path.Combine(_dir.Path, "envdata")} ", banner, StringComparison.Ordinal);
        Assert.Contains($"SMTP       127.0.0.1:{port}", banner, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_setting_in_the_json_file_is_named_and_the_relay_does_not_start()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir.Path, "mailtumble.json"), """{ "MailTumble": { "Smtp": { "Listen": "127.0.0.1:0" }, "Api": { "Listen": "127.0.0.1:0" }, "Outbound": { "MaxSendRate": 0 } } }""");
        var (code, text) = await RelayProcess.RunAsync(_dir.Path, new Dictionary<string, string>(), "serve");
        Assert.Equal(78, code);
        Assert.Contains("MailTumble:Outbound:MaxSendRate (MAXIMUM_SEND_RATE) must be between", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_json_file_that_does_not_parse_is_one_line_and_exit_78()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir.Path, "mailtumble.json"), """{ "MailTumble": { "DataDir": "x", """);
        var (code, text) = await RelayProcess.RunAsync(_dir.Path, new Dictionary<string, string>(), "alias", "list");
        Assert.Equal(78, code);
        var line = Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("mailtumble: cannot read settings: ", line, StringComparison.Ordinal);
        Assert.Contains("mailtumble.json", line, StringComparison.Ordinal);
    }

    /// <summary>The whole start-up banner (its lines arrive one by one).</summary>
    private static Task<string> BannerAsync(RelayProcess relay) =>
        Eventually.ValueAsync(() => relay.Output, output => output.Contains("Stop with Ctrl-C", StringComparison.Ordinal), "the start-up banner is complete (its last line: Stop with Ctrl-C)");

    public void Dispose() => _dir.Dispose();
}
