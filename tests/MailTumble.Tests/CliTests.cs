using System.Text;
using MailTumble.Core.Aliases;
using MailTumble.Core.Storage;
using MailTumble.Hosting;
using MailTumble.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Tests;

/// <summary>The mailtumble command line, run in-process on a temporary data directory.</summary>
public sealed class CliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private Task<(int Code, string Out, string Err)> RunWithInputAsync(string stdin, params string[] args) => RunWithSettingsAsync([], stdin, args);

    private async Task<(int Code, string Out, string Err)> RunWithSettingsAsync(Dictionary<string, string?> settings, string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var values = new Dictionary<string, string?> { ["MailTumble:DataDir"] = _dir.Path, ["Logging:LogLevel:Default"] = "Warning" };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        var configuration = MailTumbleConfiguration.Build(values);
        var code = await MailTumbleCli.RunAsync(args, output, error, () => new MemoryStream(Encoding.UTF8.GetBytes(stdin)), configuration);
        return (code, output.ToString(), error.ToString());
    }

    private Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => RunWithInputAsync(string.Empty, args);

    private Task<(int Code, string Out, string Err)> RunWithServicesAsync(Action<IServiceCollection> services, params string[] args) =>
        RunWithServicesAndSettingsAsync(services, [], args);

    private async Task<(int Code, string Out, string Err)> RunWithServicesAndSettingsAsync(Action<IServiceCollection> services, Dictionary<string, string?> settings, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        settings["MailTumble:DataDir"] = _dir.Path;
        settings["Logging:LogLevel:Default"] = "None";
        var code = await MailTumbleCli.RunAsync(args, output, error, () => new MemoryStream("Subject: a\n\nb\n"u8.ToArray()), MailTumbleConfiguration.Build(settings), services);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Aliases_are_added_listed_and_removed()
    {
        var added = await RunAsync("alias", "add", "X7G2@mask.example.com", "john@real.example.org");
        Assert.Equal((0, "added x7g2@mask.example.com -> john@real.example.org\n"), (added.Code, added.Out));
        Assert.Contains("updated", (await RunAsync("alias", "add", "x7g2@mask.example.com", "jane@real.example.org")).Out, StringComparison.Ordinal);

        var list = await RunAsync("alias", "list");
        Assert.StartsWith("x7g2@mask.example.com\tjane@real.example.org\tactive", list.Out, StringComparison.Ordinal);

        Assert.Equal(0, (await RunAsync("alias", "rm", "x7g2@mask.example.com")).Code);
        var missing = await RunAsync("alias", "rm", "x7g2@mask.example.com");
        Assert.Equal((67, "mailtumble: no such alias: x7g2@mask.example.com\n"), (missing.Code, missing.Err));
    }

    [Fact]
    public async Task An_alias_gets_a_display_name_and_a_note_that_show_list_and_set_change()
    {
        var added = await RunAsync("alias", "add", "shop@mask.example.com", "john@real.example.org", "--display-name", "Shop John", "--note", "bike shop");
        Assert.Equal((0, "added shop@mask.example.com -> john@real.example.org; display name \"Shop John\"; note set\n"), (added.Code, added.Out));
        var show = (await RunAsync("alias", "show", "shop@mask.example.com")).Out;
        Assert.Contains("display name     Shop John\n", show, StringComparison.Ordinal);
        Assert.Contains("note             bike shop\n", show, StringComparison.Ordinal);
        Assert.Equal("shop@mask.example.com\tjohn@real.example.org\tactive\tbounces=0 complaints=0 deliveries=0\tdisplay_name=Shop John\tnote=bike shop\n", (await RunAsync("alias", "list")).Out);

        // Re-adding changes the targets only; set changes one label, "" clears it.
        await RunAsync("alias", "add", "shop@mask.example.com", "jane@real.example.org");
        Assert.Contains("display_name=Shop John\tnote=bike shop", (await RunAsync("alias", "list")).Out, StringComparison.Ordinal);
        var set = await RunAsync("alias", "set", "shop@mask.example.com", "--display-name", "");
        Assert.Equal((0, "updated shop@mask.example.com; display name cleared\n"), (set.Code, set.Out));
        Assert.Contains("display name     (none: replies are From the bare address)\n", (await RunAsync("alias", "show", "shop@mask.example.com")).Out, StringComparison.Ordinal);

        Assert.Equal((64, "mailtumble: alias set needs --display-name or --note\n"), await CodeAndErr("alias", "set", "shop@mask.example.com"));
        Assert.Equal((67, "mailtumble: no such alias: nobody@mask.example.com\n"), await CodeAndErr("alias", "set", "nobody@mask.example.com", "--note", "x"));
        var injected = await CodeAndErr("alias", "set", "shop@mask.example.com", "--display-name", "Evil\r\nBcc: x@evil.example");
        Assert.Equal(65, injected.Code);
        Assert.Contains("display name must be one line", injected.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disable_and_enable_switch_an_alias_and_say_what_they_did()
    {
        await RunAsync("alias", "add", "x7g2@mask.example.com", "john@real.example.org", "--note", "kept");
        var disabled = await RunAsync("alias", "disable", "x7g2@mask.example.com", "--reason", "spam");
        Assert.Equal(0, disabled.Code);
        Assert.StartsWith("x7g2@mask.example.com is disabled: its mail is refused (550 5.2.1)", disabled.Out, StringComparison.Ordinal);
        Assert.StartsWith("x7g2@mask.example.com\tjohn@real.example.org\tdisabled\t", (await RunAsync("alias", "list")).Out, StringComparison.Ordinal);
        Assert.Contains("note             kept\n", (await RunAsync("alias", "show", "x7g2@mask.example.com")).Out, StringComparison.Ordinal);

        Assert.Equal("x7g2@mask.example.com is enabled: active\n", (await RunAsync("alias", "enable", "x7g2@mask.example.com")).Out);
        Assert.Equal("x7g2@mask.example.com was not disabled; it stays active\n", (await RunAsync("alias", "enable", "x7g2@mask.example.com")).Out);
        await RunAsync("alias", "hold", "x7g2@mask.example.com");
        Assert.Equal("x7g2@mask.example.com was not disabled; it stays held\n", (await RunAsync("alias", "enable", "x7g2@mask.example.com")).Out);

        Assert.Equal((67, "mailtumble: no such alias: nobody@mask.example.com\n"), await CodeAndErr("alias", "disable", "nobody@mask.example.com"));
        Assert.Equal((67, "mailtumble: no such alias: nobody@mask.example.com\n"), await CodeAndErr("alias", "enable", "nobody@mask.example.com"));
    }

    [Fact]
    public async Task Import_takes_display_name_note_and_disabled_columns_by_position_or_by_header()
    {
        var positional = Path.Combine(_dir.Path, "positional.csv");
        await File.WriteAllLinesAsync(positional, ["a@mask.example.com,p@real.example.org,Shop A,first,true", "b@mask.example.com,q@real.example.org"]);
        Assert.Equal(0, (await RunAsync("alias", "import", positional)).Code);
        var named = Path.Combine(_dir.Path, "named.csv");
        await File.WriteAllLinesAsync(named, ["note,disabled,email,alias,display_name", "second,,r@real.example.org,b@mask.example.com,\"Shop, B\"", "changed,false,p@real.example.org,a@mask.example.com,"]);
        Assert.Equal(0, (await RunAsync("alias", "import", named)).Code);

        var list = (await RunAsync("alias", "list")).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            [
                "a@mask.example.com\tp@real.example.org\tactive\tbounces=0 complaints=0 deliveries=0\tnote=changed",
                "b@mask.example.com\tr@real.example.org\tactive\tbounces=0 complaints=0 deliveries=0\tdisplay_name=Shop, B\tnote=second",
            ],
            list);

        var bad = Path.Combine(_dir.Path, "bad.csv");
        await File.WriteAllLinesAsync(bad, ["c@mask.example.com,s@real.example.org,,,perhaps"]);
        var refused = await CodeAndErr("alias", "import", bad);
        Assert.Equal(65, refused.Code);
        Assert.Contains("row 1: disabled 'perhaps' must be true or false", refused.Err, StringComparison.Ordinal);
    }

    private async Task<(int Code, string Err)> CodeAndErr(params string[] args)
    {
        var result = await RunAsync(args);
        return (result.Code, result.Err);
    }

    [Fact]
    public async Task A_bad_address_is_one_clear_line_and_a_non_zero_exit()
    {
        var result = await RunAsync("alias", "add", "not-an-address", "john@real.example.org");
        Assert.Equal(65, result.Code);
        Assert.Equal("mailtumble: 'not-an-address' is not a valid alias (expected local@domain, or @domain for a catch-all)\n", result.Err);
    }

    [Fact]
    public async Task An_alias_takes_several_targets_up_to_the_limit()
    {
        var added = await RunAsync("alias", "add", "team@mask.example.com", "X@real.example.org, y@real.example.org");
        Assert.Equal((0, "added team@mask.example.com -> x@real.example.org,y@real.example.org\n"), (added.Code, added.Out));
        Assert.StartsWith("team@mask.example.com\tx@real.example.org,y@real.example.org\tactive", (await RunAsync("alias", "list")).Out, StringComparison.Ordinal);
        Assert.Contains("x@real.example.org, y@real.example.org", (await RunAsync("alias", "show", "team@mask.example.com")).Out, StringComparison.Ordinal);

        var catchAll = await RunAsync("alias", "add", "@Mask.example.com", "all@real.example.org");
        Assert.Equal((0, "added @mask.example.com -> all@real.example.org\n"), (catchAll.Code, catchAll.Out));

        var eleven = string.Join(',', Enumerable.Range(0, 11).Select(i => $"t{i}@real.example.org"));
        var tooMany = await RunAsync("alias", "add", "big@mask.example.com", eleven);
        Assert.Equal((65, "mailtumble: 11 targets given; at most 10 are allowed (MailTumble:MaxTargetsPerAlias)\n"), (tooMany.Code, tooMany.Err));
        var raised = await RunWithSettingsAsync(new() { ["MailTumble:MaxTargetsPerAlias"] = "11" }, string.Empty, "alias", "add", "big@mask.example.com", eleven);
        Assert.Equal(0, raised.Code);

        var csv = Path.Combine(_dir.Path, "teams.csv");
        await File.WriteAllLinesAsync(csv, ["alias,target", "a@mask.example.com,\"p@real.example.org,q@real.example.org\"", "b@mask.example.com,r@real.example.org;s@real.example.org"]);
        Assert.Equal(0, (await RunAsync("alias", "import", csv)).Code);
        var list = (await RunAsync("alias", "list")).Out;
        Assert.Contains("a@mask.example.com\tp@real.example.org,q@real.example.org\t", list, StringComparison.Ordinal);
        Assert.Contains("b@mask.example.com\tr@real.example.org,s@real.example.org\t", list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_reads_a_csv_with_a_header_and_reports_the_count()
    {
        var csv = Path.Combine(_dir.Path, "aliases.csv");
        await File.WriteAllLinesAsync(csv, new[] { "alias,target" }.Concat(Enumerable.Range(0, 2000).Select(i => $"a{i}@mask.example.com,p{i}@real.example.org")));
        var result = await RunAsync("alias", "import", csv);
        Assert.Equal(0, result.Code);
        Assert.StartsWith("imported 2,000 aliases", result.Out, StringComparison.Ordinal);
        Assert.Contains("a1999@mask.example.com", (await RunAsync("alias", "list", "--prefix", "a1999")).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_reports_progress_on_stderr_as_it_goes()
    {
        var csv = Path.Combine(_dir.Path, "many.csv");
        await File.WriteAllLinesAsync(csv, Enumerable.Range(0, 12_000).Select(i => $"m{i}@mask.example.com,p{i}@real.example.org"));
        var result = await RunAsync("alias", "import", csv);
        Assert.Equal(0, result.Code);
        Assert.StartsWith("imported 12,000 aliases in ", result.Out, StringComparison.Ordinal);

        // One progress report per committed batch of 5,000, redrawn on the same terminal line, and the total at the end.
        var progress = result.Err.Split('\r', StringSplitOptions.RemoveEmptyEntries).Select(p => p.TrimEnd('\n')).ToList();
        Assert.Equal(["imported 5,000 aliases", "imported 10,000 aliases", "imported 12,000 aliases"], progress);
        Assert.Contains("p11999@real.example.org", (await RunAsync("alias", "show", "m11999@mask.example.com")).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Receive_queues_known_recipients_and_answers_like_a_pipe_transport()
    {
        await RunAsync("alias", "add", "x7g2@mask.example.com", "john@real.example.org");

        var accepted = await RunWithInputAsync("From: a@brand.example\nSubject: piped\n\nbody\n", "receive", "--from", "a@brand.example", "--to", "x7g2@mask.example.com");
        Assert.Equal(0, accepted.Code);
        Assert.StartsWith("queued as ", accepted.Out, StringComparison.Ordinal);

        var stats = await RunAsync("queue", "stats");
        Assert.Contains("depth             1", stats.Out, StringComparison.Ordinal);

        var unknown = await RunWithInputAsync("x", "receive", "--from", "a@brand.example", "--to", "nobody@mask.example.com");
        Assert.Equal(67, unknown.Code);
        Assert.StartsWith("mailtumble: 550 5.1.1", unknown.Err, StringComparison.Ordinal);

        var relay = await RunWithInputAsync("x", "receive", "--to", "someone@elsewhere.example");
        Assert.Equal(67, relay.Code);
    }

    [Fact]
    public async Task Receive_turns_LF_input_into_CRLF_and_storage_trouble_into_exit_75()
    {
        await RunAsync("alias", "add", "x7g2@mask.example.com", "john@real.example.org");
        Assert.Equal(0, (await RunWithInputAsync("Subject: a\n\nb\n", "receive", "--to", "x7g2@mask.example.com")).Code);
        var stored = Assert.Single(StoredCopies.Rows(_dir.Path));
        Assert.Empty(StoredCopies.Files(_dir.Path));
        Assert.Equal("Subject: a\r\n\r\nb\r\n", System.Text.Encoding.ASCII.GetString(stored));

        StoredCopies.BreakDatabaseStore(_dir.Path);

        var failed = await RunWithInputAsync("Subject: a\n\nb\n", "receive", "--to", "x7g2@mask.example.com");
        Assert.Equal(75, failed.Code);
    }

    [Fact]
    public async Task An_unexpected_failure_is_one_line_without_a_stack_trace_and_a_non_zero_exit()
    {
        // A store that fails in a way no command expects.
        var result = await RunWithServicesAsync(s => s.AddSingleton(Failing.Create<IAliasAdmin>()), "alias", "list");
        Assert.Equal(1, result.Code);
        var line = Assert.Single(result.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("mailtumble: " + Failing.Message, line);
    }

    [Fact]
    public async Task MAILTUMBLE_VERBOSE_adds_the_stack_trace()
    {
        var result = await RunWithServicesAndSettingsAsync(s => s.AddSingleton(Failing.Create<IAliasAdmin>()), new() { ["MAILTUMBLE_VERBOSE"] = "1" }, "alias", "list");
        Assert.Equal(1, result.Code);
        Assert.StartsWith("mailtumble: " + Failing.Message, result.Err, StringComparison.Ordinal);
        Assert.Contains("   at ", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unexpected_failure_in_receive_is_exit_75_so_the_MTA_retries()
    {
        await RunAsync("alias", "add", "x7g2@mask.example.com", "john@real.example.org");
        var result = await RunWithServicesAsync(s => s.AddSingleton(Failing.Create<IRawStore>()), "receive", "--to", "x7g2@mask.example.com");
        Assert.Equal(75, result.Code);
        Assert.Single(result.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task A_setting_the_binder_cannot_convert_is_exit_78_naming_the_setting_and_what_it_takes()
    {
        var result = await RunWithSettingsAsync(new() { ["MailTumble:Sqlite:IngestChannelCapacity"] = "lots" }, string.Empty, "alias", "list");
        Assert.Equal(78, result.Code);
        var line = Assert.Single(result.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("mailtumble: invalid setting: MailTumble:Sqlite:IngestChannelCapacity is 'lots', which is not a whole number", line);

        // receive too: a bad setting is the operator's to fix (78), as the README says.
        var piped = await RunWithSettingsAsync(new() { ["MailTumble:Sqlite:IngestChannelCapacity"] = "lots" }, "Subject: a\n\nb\n", "receive", "--to", "x7g2@mask.example.com");
        Assert.Equal(78, piped.Code);
        Assert.Contains("MailTumble:Sqlite:IngestChannelCapacity", piped.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_commands_and_missing_arguments_are_usage_errors_exit_64()
    {
        var unknown = await RunAsync("frobnicate");
        Assert.Equal(64, unknown.Code);
        Assert.Contains("mailtumble: Unrecognized command or argument 'frobnicate'", unknown.Err, StringComparison.Ordinal);
        Assert.Contains("'mailtumble --help'", unknown.Err, StringComparison.Ordinal);

        var missing = await RunAsync("alias", "add", "x7g2@mask.example.com");
        Assert.Equal(64, missing.Code);
        Assert.Contains("'mailtumble alias add --help'", missing.Err, StringComparison.Ordinal);
        Assert.Equal(64, (await RunAsync()).Code);
        Assert.Equal(0, (await RunAsync("--help")).Code);
    }

    public void Dispose() => _dir.Dispose();
}
