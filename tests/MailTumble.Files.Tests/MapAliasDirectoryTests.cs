using MailTumble.Core.Aliases;
using MailTumble.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Files.Tests;

public sealed class MapAliasDirectoryTests : IDisposable
{
    private const string Yaml = """
        domains: [mask.example.com, second.example.com]
        aliases:
          john@mask.example.com: john@real.example.org
          john+vip@mask.example.com: vip@real.example.org
          "@other.example": other@real.example.org
          info: info@real.example.org
          old@mask.example.com: { target: old@real.example.org, status: dead }
          "@": catchall@real.example.org
        """;

    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    private MapAliasDirectory Create(string text, string name = "aliases.yaml", bool subAddressing = true)
    {
        var path = Path.Combine(_dir.Path, name);
        File.WriteAllText(path, text);
        return new MapAliasDirectory(Options.Create(new MapFileOptions { Path = path, SubAddressing = subAddressing }), _time, NullLogger<MapAliasDirectory>.Instance);
    }

    [Theory]
    [InlineData("john@mask.example.com", "john@real.example.org")]
    [InlineData("JOHN@Mask.Example.com", "john@real.example.org")]
    [InlineData("john+news@mask.example.com", "john@real.example.org")]
    [InlineData("john+vip@mask.example.com", "vip@real.example.org")]
    [InlineData("anyone@other.example", "other@real.example.org")]
    [InlineData("john@other.example", "other@real.example.org")]
    [InlineData("info@mask.example.com", "info@real.example.org")]
    [InlineData("info+x@second.example.com", "info@real.example.org")]
    [InlineData("stranger@second.example.com", "catchall@real.example.org")]
    [InlineData("john@second.example.com", "catchall@real.example.org")]
    public async Task Rules_apply_in_order_exact_then_domain_then_user_then_catch_all(string address, string target)
    {
        var result = await Create(Yaml).LookupAsync(address, default);
        Assert.Equal(LookupOutcome.Found, result.Outcome);
        Assert.Equal(target, result.Alias!.Target);
        Assert.Equal(address.ToLowerInvariant(), result.Alias.Address);
    }

    [Fact]
    public async Task Configured_domains_count_as_ours_for_user_and_catch_all_rules()
    {
        // No 'domains:' list and no address naming a domain: only MailTumble:Domains says which domains are ours.
        var path = Path.Combine(_dir.Path, "bare.yaml");
        File.WriteAllText(path, "aliases:\n  info: info@real.example.org\n  \"@\": catchall@real.example.org\n");
        var bare = new MapAliasDirectory(Options.Create(new MapFileOptions { Path = path }), _time, NullLogger<MapAliasDirectory>.Instance);
        Assert.Equal(LookupOutcome.NotFound, (await bare.LookupAsync("info@mask.example.com", default)).Outcome);

        var options = new MapFileOptions { Path = path };
        options.Domains.Add("Mask.Example.com.");
        var map = new MapAliasDirectory(Options.Create(options), _time, NullLogger<MapAliasDirectory>.Instance);
        Assert.Equal("info@real.example.org", (await map.LookupAsync("info+x@mask.example.com", default)).Alias!.Target);
        Assert.Equal("catchall@real.example.org", (await map.LookupAsync("anyone@mask.example.com", default)).Alias!.Target);
        Assert.True(await map.HasDomainAsync("mask.example.com", default));
        Assert.Equal(LookupOutcome.NotFound, (await map.LookupAsync("info@elsewhere.example", default)).Outcome);

        // Still ours after a reload of the file.
        File.WriteAllText(path, "aliases:\n  sales: sales@real.example.org\n");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("sales@real.example.org", (await map.LookupAsync("sales@mask.example.com", default)).Alias!.Target);
        Assert.Equal(LookupOutcome.NotFound, (await map.LookupAsync("anyone@mask.example.com", default)).Outcome);
    }

    [Fact]
    public async Task Domains_that_are_not_ours_match_nothing_and_statuses_are_kept()
    {
        var map = Create(Yaml);
        Assert.Equal(LookupOutcome.NotFound, (await map.LookupAsync("info@elsewhere.example", default)).Outcome);
        Assert.False(await map.HasDomainAsync("elsewhere.example", default));
        Assert.True(await map.HasDomainAsync("Other.Example", default));
        Assert.Equal(AliasStatus.Dead, (await map.LookupAsync("old@mask.example.com", default)).Alias!.Status);
    }

    [Fact]
    public async Task Sub_addressing_can_be_turned_off()
    {
        var map = Create("aliases:\n  john@mask.example.com: john@real.example.org\n", subAddressing: false);
        Assert.Equal(LookupOutcome.NotFound, (await map.LookupAsync("john+news@mask.example.com", default)).Outcome);
        Assert.Equal(LookupOutcome.Found, (await map.LookupAsync("john@mask.example.com", default)).Outcome);
    }

    [Fact]
    public async Task Json_files_work_too()
    {
        var map = Create("""{ "aliases": { "x7g2@mask.example.com": "john@real.example.org", "held@mask.example.com": { "email": "m@real.example.org", "status": "held" } } }""", "aliases.json");
        Assert.Equal("john@real.example.org", (await map.LookupAsync("x7g2@mask.example.com", default)).Alias!.Target);
        Assert.Equal(AliasStatus.Held, (await map.LookupAsync("held@mask.example.com", default)).Alias!.Status);
    }

    [Fact]
    public async Task The_file_is_reloaded_when_it_changes_and_a_broken_edit_keeps_the_last_good_map()
    {
        var map = Create("aliases:\n  a@mask.example.com: one@real.example.org\n");
        var path = Path.Combine(_dir.Path, "aliases.yaml");
        File.WriteAllText(path, "aliases:\n  a@mask.example.com: two@real.example.org\n  b@mask.example.com: b@real.example.org\n");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        Assert.Equal("one@real.example.org", (await map.LookupAsync("a@mask.example.com", default)).Alias!.Target);

        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal("two@real.example.org", (await map.LookupAsync("a@mask.example.com", default)).Alias!.Target);
        Assert.Equal(LookupOutcome.Found, (await map.LookupAsync("b@mask.example.com", default)).Outcome);

        File.WriteAllText(path, "aliases:\n  a@mask.example.com: [not, an, address\n");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(2));
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal("two@real.example.org", (await map.LookupAsync("a@mask.example.com", default)).Alias!.Target);
    }

    [Fact]
    public async Task A_reload_is_seen_at_once_through_the_cache()
    {
        var map = Create("aliases:\n  a@mask.example.com: one@real.example.org\n");
        var cache = new CachingAliasDirectory(map, null, Options.Create(new DirectoryCacheOptions { PositiveTtl = TimeSpan.FromHours(1), NegativeTtl = TimeSpan.FromHours(1) }), _time);
        Assert.Equal("one@real.example.org", (await cache.LookupAsync("a@mask.example.com", default)).Alias!.Target);
        Assert.Equal(LookupOutcome.NotFound, (await cache.LookupAsync("b@mask.example.com", default)).Outcome);

        var path = Path.Combine(_dir.Path, "aliases.yaml");
        File.WriteAllText(path, "aliases:\n  a@mask.example.com: two@real.example.org\n  b@mask.example.com: b@real.example.org\n");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal("two@real.example.org", (await cache.LookupAsync("a@mask.example.com", default)).Alias!.Target);
        Assert.Equal(LookupOutcome.Found, (await cache.LookupAsync("b@mask.example.com", default)).Outcome);
    }

    [Theory]
    [InlineData("aliases:\n  a@mask.example.com: not-an-address\n", "line 2")]
    [InlineData("aliases:\n  a@mask.example.com: { target: t@real.example.org, status: zombie }\n", "zombie")]
    [InlineData("aliases:\n  \"a@b@mask.example.com\": t@real.example.org\n", "not a valid address")]
    [InlineData("aliases: [1, 2]\n", "must be a mapping")]
    public void A_broken_map_stops_start_up_with_a_message_naming_the_problem(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => Create(text));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("aliases.yaml", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}
