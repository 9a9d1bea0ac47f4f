using MailTumble.Core.Counters;
using MailTumble.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailTumble.Core.Tests;

public sealed class AliasCountersTests
{
    [Fact]
    public async Task Counting_writes_nothing_until_a_flush_which_writes_every_alias_in_one_batch()
    {
        var store = new RecordingStore();
        using var counters = new AliasCounters(NullLogger<AliasCounters>.Instance, store);
        for (var i = 0; i < 1000; i++)
        {
            counters.Forwarded("X7G2@mask.example.com");
        }

        counters.Replied("x7g2@mask.example.com");
        counters.Blocked("shop7@mask.example.com");
        Assert.Empty(store.Batches);
        Assert.Equal(new AliasCounts("x7g2@mask.example.com", 1000, 1, 0), await counters.GetAsync("x7g2@mask.example.com", default));

        await counters.FlushAsync(default);
        var batch = Assert.Single(store.Batches);
        Assert.Equal(2, batch.Count);
        Assert.Equal(new AliasCounts("x7g2@mask.example.com", 1000, 1, 0), await counters.GetAsync("x7g2@mask.example.com", default));

        // Nothing new: no write at all.
        await counters.FlushAsync(default);
        Assert.Single(store.Batches);
    }

    [Fact]
    public async Task A_failed_write_keeps_the_counts_for_the_next_flush()
    {
        var store = new RecordingStore { Fail = true };
        using var counters = new AliasCounters(NullLogger<AliasCounters>.Instance, store);
        counters.Blocked("x7g2@mask.example.com");
        await counters.FlushAsync(default);
        counters.Blocked("x7g2@mask.example.com");
        store.Fail = false;
        await counters.FlushAsync(default);
        Assert.Equal(new AliasCounts("x7g2@mask.example.com", 0, 0, 2), await counters.GetAsync("x7g2@mask.example.com", default));
    }

    [Fact]
    public async Task The_flusher_has_no_timer_set_while_nothing_is_counted_and_writes_a_count_after_a_long_idle_spell_a_second_later()
    {
        var clock = new TimerCountingClock(DateTimeOffset.Parse("2026-12-03T06:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var store = new RecordingStore();
        using var counters = new AliasCounters(NullLogger<AliasCounters>.Instance, store);
        using var flusher = new AliasCounterFlusher(counters, clock);
        await flusher.StartAsync(default);
        try
        {
            // Nothing counted: nothing waits on the clock.
            await Task.Yield();
            Assert.Equal(0, clock.Pending);

            counters.Forwarded("x7g2@mask.example.com");
            await Eventually.TrueAsync(() => clock.Pending == 1, "the first count starts the second's wait");
            counters.Forwarded("x7g2@mask.example.com");
            clock.Advance(AliasCounterFlusher.Interval);
            await Eventually.TrueAsync(() => store.Batches.Count == 1, "both counts are written in one batch a second later");
            await Eventually.TrueAsync(() => clock.Pending == 0, "with nothing counted since, the flusher has no timer set");

            // Ten idle minutes: no write, no timer.
            var created = clock.Created;
            clock.Advance(TimeSpan.FromMinutes(10));
            Assert.Equal(created, clock.Created);
            Assert.Single(store.Batches);

            // A count after the idle spell is written a second later, as before it.
            counters.Replied("x7g2@mask.example.com");
            await Eventually.TrueAsync(() => clock.Pending == 1, "the count starts the second's wait");
            clock.Advance(AliasCounterFlusher.Interval - TimeSpan.FromMilliseconds(1));
            Assert.Single(store.Batches);
            clock.Advance(TimeSpan.FromMilliseconds(1));
            await Eventually.TrueAsync(() => store.Batches.Count == 2, "the count is written a second after it");
            Assert.Equal(new AliasCounts("x7g2@mask.example.com", 2, 1, 0), await store.GetAsync("x7g2@mask.example.com", default));
        }
        finally
        {
            await flusher.StopAsync(default);
        }
    }

    private sealed class RecordingStore : IAliasCounterStore
    {
        private readonly Dictionary<string, AliasCounts> _stored = [];

        public bool Fail { get; set; }

        public List<IReadOnlyCollection<AliasCounts>> Batches { get; } = [];

        public Task AddAsync(IReadOnlyCollection<AliasCounts> deltas, CancellationToken cancellationToken)
        {
            if (Fail)
            {
                throw new IOException("disk full");
            }

            Batches.Add(deltas);
            foreach (var delta in deltas)
            {
                _stored[delta.Alias] = _stored.TryGetValue(delta.Alias, out var old) ? old.Add(delta) : delta;
            }

            return Task.CompletedTask;
        }

        public Task<AliasCounts> GetAsync(string alias, CancellationToken cancellationToken) =>
            Task.FromResult(_stored.TryGetValue(alias, out var counts) ? counts : new AliasCounts(alias));
    }
}
