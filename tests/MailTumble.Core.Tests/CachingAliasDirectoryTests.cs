using MailTumble.Core.Aliases;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Core.Tests;

public sealed class CachingAliasDirectoryTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly CountingDirectory _inner = new();

    private CachingAliasDirectory Cache(bool admin = true) => new(
        _inner,
        admin ? _inner : null,
        Options.Create(new DirectoryCacheOptions { PositiveTtl = TimeSpan.FromSeconds(60), NegativeTtl = TimeSpan.FromSeconds(10) }),
        _time);

    [Fact]
    public async Task Ten_thousand_concurrent_lookups_over_100_aliases_make_about_100_directory_calls()
    {
        for (var i = 0; i < 100; i++)
        {
            _inner.Aliases[$"a{i}@mask.example.com"] = new($"a{i}@mask.example.com", $"p{i}@real.example.org", AliasStatus.Active);
        }

        _inner.Delay = TimeSpan.FromMilliseconds(20);
        var cache = Cache();
        var lookups = Enumerable.Range(0, 10_000).Select(i => Task.Run(async () => await cache.LookupAsync($"A{i % 100}@mask.example.com", default)));
        var results = await Task.WhenAll(lookups);

        Assert.All(results, r => Assert.Equal(LookupOutcome.Found, r.Outcome));
        // Coalescing: concurrent lookups of one address share one call, so exactly one call per alias.
        Assert.Equal(100, _inner.Calls);
        Console.WriteLine($"10,000 lookups over 100 aliases: {_inner.Calls} directory calls");
    }

    [Fact]
    public async Task Positive_and_negative_answers_expire_after_their_ttls()
    {
        _inner.Aliases["x@mask.example.com"] = new("x@mask.example.com", "john@real.example.org", AliasStatus.Active);
        var cache = Cache();
        await cache.LookupAsync("x@mask.example.com", default);
        await cache.LookupAsync("nobody@mask.example.com", default);
        Assert.Equal(2, _inner.Calls);

        _time.Advance(TimeSpan.FromSeconds(9));
        await cache.LookupAsync("x@mask.example.com", default);
        await cache.LookupAsync("nobody@mask.example.com", default);
        Assert.Equal(2, _inner.Calls);

        _time.Advance(TimeSpan.FromSeconds(2));
        await cache.LookupAsync("nobody@mask.example.com", default);
        await cache.LookupAsync("x@mask.example.com", default);
        Assert.Equal(3, _inner.Calls);

        _time.Advance(TimeSpan.FromSeconds(50));
        await cache.LookupAsync("x@mask.example.com", default);
        Assert.Equal(4, _inner.Calls);
    }

    [Fact]
    public async Task Temporary_failures_are_never_cached()
    {
        _inner.Down = true;
        var cache = Cache();
        Assert.Equal(LookupOutcome.TemporaryFailure, (await cache.LookupAsync("x@mask.example.com", default)).Outcome);
        _inner.Down = false;
        _inner.Aliases["x@mask.example.com"] = new("x@mask.example.com", "john@real.example.org", AliasStatus.Active);
        Assert.Equal(LookupOutcome.Found, (await cache.LookupAsync("x@mask.example.com", default)).Outcome);
        Assert.Equal(2, _inner.Calls);
    }

    [Fact]
    public async Task Local_changes_invalidate_at_once()
    {
        _inner.Aliases["x@mask.example.com"] = new("x@mask.example.com", "john@real.example.org", AliasStatus.Active);
        var cache = Cache();
        Assert.Equal(AliasStatus.Active, (await cache.LookupAsync("x@mask.example.com", default)).Alias!.Status);
        Assert.Equal(LookupOutcome.NotFound, (await cache.LookupAsync("new@mask.example.com", default)).Outcome);

        Assert.True(await cache.SetStatusAsync("X@mask.example.com", AliasStatus.Dead, default));
        Assert.Equal(AliasStatus.Dead, (await cache.LookupAsync("x@mask.example.com", default)).Alias!.Status);
        Assert.True(await cache.UpsertAsync("new@mask.example.com", "mary@real.example.org", default));
        Assert.Equal(LookupOutcome.Found, (await cache.LookupAsync("new@mask.example.com", default)).Outcome);
    }

    [Fact]
    public async Task A_caller_that_gives_up_does_not_cancel_the_shared_lookup()
    {
        _inner.Aliases["x@mask.example.com"] = new("x@mask.example.com", "john@real.example.org", AliasStatus.Active);
        _inner.Delay = TimeSpan.FromMilliseconds(200);
        var cache = Cache();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(20));
        var patient = cache.LookupAsync("x@mask.example.com", default).AsTask();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.LookupAsync("x@mask.example.com", cts.Token).AsTask());
        Assert.Equal(LookupOutcome.Found, (await patient).Outcome);
        Assert.Equal(1, _inner.Calls);
    }

    [Fact]
    public async Task A_read_only_directory_refuses_changes_and_says_so()
    {
        var cache = Cache(admin: false);
        var error = await Assert.ThrowsAsync<ReadOnlyDirectoryException>(() => cache.UpsertAsync("x@mask.example.com", "y@real.example.org", default));
        Assert.Contains("read-only", error.Message, StringComparison.Ordinal);
    }

    private sealed class CountingDirectory : IAliasDirectory, IAliasAdmin
    {
        private int _calls;

        public Dictionary<string, AliasRecord> Aliases { get; } = new(StringComparer.Ordinal);

        public TimeSpan Delay { get; set; }

        public bool Down { get; set; }

        public int Calls => Volatile.Read(ref _calls);

        public async ValueTask<LookupResult> LookupAsync(string address, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay, cancellationToken);
            }

            lock (Aliases)
            {
                return Down ? LookupResult.TemporaryFailure("down")
                    : Aliases.TryGetValue(address, out var alias) ? LookupResult.Found(alias) : LookupResult.NotFound;
            }
        }

        public ValueTask<bool> HasDomainAsync(string domain, CancellationToken cancellationToken) => ValueTask.FromResult(true);

        public Task<bool> UpsertAsync(string address, IReadOnlyList<string> targets, CancellationToken cancellationToken)
        {
            lock (Aliases)
            {
                var created = !Aliases.ContainsKey(address.ToLowerInvariant());
                Aliases[address.ToLowerInvariant()] = new(address.ToLowerInvariant(), targets[0], AliasStatus.Active) { Targets = targets };
                return Task.FromResult(created);
            }
        }

        public Task<bool> RemoveAsync(string address, CancellationToken cancellationToken) => Task.FromResult(Aliases.Remove(address.ToLowerInvariant()));

        public Task<bool> SetStatusAsync(string address, AliasStatus status, CancellationToken cancellationToken)
        {
            lock (Aliases)
            {
                if (!Aliases.TryGetValue(address.ToLowerInvariant(), out var alias))
                {
                    return Task.FromResult(false);
                }

                Aliases[alias.Address] = alias with { Status = status };
                return Task.FromResult(true);
            }
        }

        public Task<bool> RecordFeedbackAsync(string address, string? target, FeedbackKind kind, CancellationToken cancellationToken) => Task.FromResult(false);

        public Task<IReadOnlyList<AliasRecord>> ListAsync(string? prefix, string? after, int limit, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<AliasRecord>>([]);

        public Task<int> ImportAsync(IAsyncEnumerable<AliasImportLine> rows, IProgress<int>? progress, CancellationToken cancellationToken) =>
            Task.FromResult(0);

        public Task<bool> EnableAsync(string address, CancellationToken cancellationToken) => Task.FromResult(false);

        public Task<bool> SetLabelsAsync(string address, AliasLabels labels, CancellationToken cancellationToken)
        {
            lock (Aliases)
            {
                if (!Aliases.TryGetValue(address.ToLowerInvariant(), out var alias))
                {
                    return Task.FromResult(false);
                }

                Aliases[alias.Address] = alias with { Note = labels.Note is null ? alias.Note : AliasLabels.Stored(labels.Note), DisplayName = labels.DisplayName is null ? alias.DisplayName : AliasLabels.Stored(labels.DisplayName) };
                return Task.FromResult(true);
            }
        }
    }
}
