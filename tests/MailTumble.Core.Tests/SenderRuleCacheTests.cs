using MailTumble.Core.Moderation;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Core.Tests;

/// <summary>The sender rule snapshot every rule store keeps (SQLite, PostgreSQL, DynamoDB), on a fake clock.</summary>
public sealed class SenderRuleCacheTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 20, 0, 0, TimeSpan.Zero));
    private readonly List<SenderRule> _rules = [];
    private int _loads;

    private SenderRuleCache Cache(Func<Task>? during = null) => new(_time, async _ =>
    {
        Interlocked.Increment(ref _loads);
        var rules = _rules.ToList();
        if (during is not null)
        {
            await during();
        }

        return (rules, new Dictionary<string, bool>(StringComparer.Ordinal) { [string.Empty] = false });
    });

    private SenderRule Rule(string pattern) => new(pattern, null, SenderRuleAction.Block, false, _time.GetUtcNow(), "test", null);

    [Fact]
    public async Task A_snapshot_is_used_for_two_seconds_then_loaded_again()
    {
        var cache = Cache();
        _rules.Add(Rule("@one.example"));
        var first = await cache.GetAsync(default);
        Assert.Equal(_time.GetUtcNow(), first.LoadedAt);
        Assert.False(first.FirstContactFor("x@mask.example.com"));

        // Changed elsewhere (another node): not seen while the snapshot is younger than two seconds.
        _rules.Add(Rule("@two.example"));
        _time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Same(first, await cache.GetAsync(default));
        Assert.Equal(1, _loads);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        var second = await cache.GetAsync(default);
        Assert.Equal(2, _loads);
        Assert.Equal(["@one.example", "@two.example"], second.Rules.Select(r => r.Pattern));
        Assert.Equal(_time.GetUtcNow(), second.LoadedAt);
        Assert.Equal(TimeSpan.FromSeconds(2), cache.Lifetime);
    }

    [Fact]
    public async Task A_change_made_here_is_seen_at_once()
    {
        var cache = Cache();
        Assert.Empty((await cache.GetAsync(default)).Rules);
        _rules.Add(Rule("@brand.example"));
        cache.Invalidate();
        Assert.Equal(["@brand.example"], (await cache.GetAsync(default)).Rules.Select(r => r.Pattern));
        Assert.Equal(2, _loads);
    }

    [Fact]
    public async Task A_load_under_way_when_the_store_changes_is_returned_but_not_kept()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gated = true;
        var cache = Cache(async () =>
        {
            if (gated)
            {
                gated = false;
                loading.SetResult();
                await release.Task;
            }
        });

        var early = cache.GetAsync(default);
        await loading.Task;
        // The store changes while that load still reads the old rules.
        _rules.Add(Rule("@brand.example"));
        cache.Invalidate();
        release.SetResult();
        Assert.Empty((await early).Rules);

        // Not kept: the next read, still within two seconds, loads the change.
        Assert.Equal(["@brand.example"], (await cache.GetAsync(default)).Rules.Select(r => r.Pattern));
        Assert.Equal(2, _loads);
    }
}
