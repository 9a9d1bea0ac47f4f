using System.Net;
using System.Net.Sockets;
using System.Text;
using MailTumble.Hosting;
using MailTumble.Testing;
using Microsoft.Extensions.Options;

namespace MailTumble.Tests;

/// <summary>
/// What a newcomer meets when something is wrong: one line that names the setting (or the id, or the file) and the
/// exit code the README promises, never a framework message or a quiet success.
/// </summary>
public sealed class CliStartupErrorTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private async Task<(int Code, string Out, string Err)> RunWithAsync(Dictionary<string, string?> settings, string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var values = new Dictionary<string, string?>
        {
            ["MailTumble:DataDir"] = _dir.Path,
            ["MailTumble:Smtp:Listen"] = "127.0.0.1:0",
            ["MailTumble:Api:Listen"] = "127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "None",
        };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        var code = await MailTumbleCli.RunAsync(args, output, error, () => new MemoryStream(Encoding.UTF8.GetBytes(stdin)), MailTumbleConfiguration.Build(values));
        return (code, output.ToString(), error.ToString());
    }

    private Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => RunWithAsync([], string.Empty, args);

    [Theory]
    [InlineData("serve")]
    [InlineData("queue stats")]
    public async Task An_unreachable_postgres_exits_75_naming_the_setting_not_a_listener(string command)
    {
        var result = await RunWithAsync(
            new() { ["MailTumble:Backend"] = "postgres", ["MailTumble:Postgres:ConnectionString"] = $"Host=127.0.0.1;Port={TestSmtpSink.FreePort()};Username=nobody;Timeout=2" },
            string.Empty,
            command.Split(' '));
        Assert.Equal(75, result.Code);
        Assert.StartsWith("mailtumble: cannot use PostgreSQL at 127.0.0.1:", result.Err, StringComparison.Ordinal);
        Assert.Contains("(MailTumble:Postgres:ConnectionString)", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("Listen", result.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("held approve --all")]
    public async Task Raw_messages_in_s3_without_a_bucket_exit_78_naming_the_bucket_setting(string command)
    {
        // The database is unreachable too: the setting is checked before anything connects (else this would be 75). A CLI
        // command checks it when it needs the raw store, as held approve does.
        var result = await RunWithAsync(
            new()
            {
                ["MailTumble:Backend"] = "postgres",
                ["MailTumble:Postgres:ConnectionString"] = $"Host=127.0.0.1;Port={TestSmtpSink.FreePort()};Username=nobody;Timeout=2",
                ["MailTumble:Postgres:RawStore"] = "s3",
                ["MailTumble:Aws:ServiceUrl"] = "http://127.0.0.1:1",
            },
            string.Empty,
            command.Split(' '));
        Assert.Equal(78, result.Code);
        Assert.StartsWith("mailtumble: invalid setting: MailTumble:Aws:S3BucketName (S3_BUCKET_NAME) is required for the S3 raw store", result.Err, StringComparison.Ordinal);
        Assert.Contains("MailTumble:Postgres:RawStore s3", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_postgres_raw_store_exits_78_naming_the_setting()
    {
        var result = await RunWithAsync(
            new() { ["MailTumble:Backend"] = "postgres", ["MailTumble:Postgres:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=nobody", ["MailTumble:Postgres:RawStore"] = "gcs" },
            string.Empty,
            "serve");
        Assert.Equal(78, result.Code);
        Assert.Equal("mailtumble: invalid setting: MailTumble:Postgres:RawStore is 'gcs'; expected one of: postgres, s3\n", result.Err);
    }

    [Theory]
    [InlineData("approve")]
    [InlineData("reject")]
    public async Task Deciding_an_id_that_is_not_held_exits_67_naming_it(string decision)
    {
        var result = await RunAsync("held", decision, "nosuchid");
        Assert.Equal(67, result.Code);
        Assert.Contains("nosuchid (no such held message)", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deciding_an_id_twice_exits_67_the_second_time_saying_it_was_decided()
    {
        await RunAsync("alias", "add", "x7g2@mask.example.com", "john@real.example.org");
        await RunAsync("alias", "hold", "x7g2@mask.example.com");
        Assert.Equal(0, (await RunWithAsync([], "From: a@shop.example\nSubject: s\n\nb\n", "receive", "--from", "a@shop.example", "--to", "x7g2@mask.example.com")).Code);
        var id = (await RunAsync("held", "list")).Out.Split('\t')[0];

        var approved = await RunAsync("held", "approve", id);
        Assert.Equal((0, "approved 1\n"), (approved.Code, approved.Out));
        var again = await RunAsync("held", "reject", id, "nosuchid");
        Assert.Equal((67, "rejected 0\n"), (again.Code, again.Out));
        Assert.Contains($"{id} (already approved)", again.Err, StringComparison.Ordinal);
        Assert.Contains("nosuchid (no such held message)", again.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Feedback_ingest_of_a_message_that_is_no_report_exits_65_saying_so()
    {
        var file = Path.Combine(_dir.Path, "plain.eml");
        await File.WriteAllTextAsync(file, "From: a@shop.example\r\nTo: b@real.example.org\r\nMessage-ID: <plain-1@shop.example>\r\nSubject: hello\r\n\r\njust a letter\r\n");
        var result = await RunAsync("feedback", "ingest", file);
        Assert.Equal(65, result.Code);
        Assert.Contains("not a bounce, complaint or delivery report", result.Err, StringComparison.Ordinal);
        Assert.Contains("<plain-1@shop.example>", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_number_setting_that_is_not_a_number_stops_serve_with_78_naming_it()
    {
        var result = await RunWithAsync(new() { ["MailTumble:Outbound:MaxSendRate"] = "fast" }, string.Empty, "serve");
        Assert.Equal(78, result.Code);
        Assert.Equal("mailtumble: invalid setting: MailTumble:Outbound:MaxSendRate is 'fast', which is not a number such as 14 or 0.5\n", result.Err);
    }

    [Fact]
    public async Task A_duration_below_its_range_is_named_without_the_framework_wording()
    {
        var result = await RunWithAsync(new() { ["MailTumble:Moderation:HeldTtl"] = "00:00:10" }, string.Empty, "serve");
        Assert.Equal(78, result.Code);
        Assert.StartsWith("mailtumble: invalid setting: MailTumble:Moderation:HeldTtl must be between 00:01:00 and ", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("DataAnnotation", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("ModerationOptions", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_range_without_its_own_message_gets_the_setting_name()
    {
        var failure = "DataAnnotation validation failed for 'RestDirectoryOptions' members: 'Timeout' with the error: 'The field Timeout must be between 00:00:00.010 and 00:05:00.'.";
        Assert.Equal("MailTumble:Directory:Rest:Timeout: must be between 00:00:00.010 and 00:05:00", Cli.SettingErrors.Clean(failure));
    }

    [Theory]
    [InlineData("MailTumble:Smtp:Listen")]
    [InlineData("MailTumble:Api:Listen")]
    public async Task A_port_in_use_names_the_address_and_the_setting(string setting)
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var address = $"127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";
        var result = await RunWithAsync(new() { [setting] = address }, string.Empty, "serve");
        Assert.Equal(1, result.Code);
        Assert.Contains($"mailtumble: cannot listen on {address} ({setting}): ", result.Err, StringComparison.Ordinal);
        Assert.Contains("in use", result.Err, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_data_directory_that_cannot_be_created_is_named_as_the_setting()
    {
        // A file stands where a directory would have to be created.
        var blocker = Path.Combine(_dir.Path, "a-file");
        await File.WriteAllTextAsync(blocker, "x");
        var dataDir = Path.Combine(blocker, "data");
        foreach (var args in new[] { new[] { "alias", "list" }, ["serve"] })
        {
            var result = await RunWithAsync(new() { ["MailTumble:DataDir"] = dataDir }, string.Empty, args);
            Assert.Equal(78, result.Code);
            Assert.StartsWith($"mailtumble: invalid setting: MailTumble:DataDir is '{dataDir}', which cannot be created or written: ", result.Err, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("not a domain!")]
    [InlineData("user@mask.example.com")]
    [InlineData("mask..example.com")]
    public async Task Domains_that_are_not_domain_names_stop_start_up_naming_the_entry(string domain)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => RelayFixture.StartAsync(new()
        {
            ["MailTumble:Domains:0"] = "mask.example.com",
            ["MailTumble:Domains:1"] = domain,
        }));
        Assert.Contains($"MailTumble:Domains:1 is '{domain}', which is not a domain name", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}
