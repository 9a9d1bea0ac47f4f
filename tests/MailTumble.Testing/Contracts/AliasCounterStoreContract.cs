using MailTumble.Core.Counters;

namespace MailTumble.Testing.Contracts;

/// <summary>What every <see cref="IAliasCounterStore"/> adapter must do. Subclass once per adapter.</summary>
public abstract class AliasCounterStoreContract : IAsyncLifetime
{
    private const string Alias = "x7g2@mask.example.com";
    private const string Other = "k3p9@mask.example.com";

    protected IAliasCounterStore Store { get; private set; } = null!;

    /// <summary>Creates the adapter under test over fresh storage.</summary>
    protected abstract Task<IAliasCounterStore> CreateAsync();

    /// <summary>Another adapter over the same storage (another process or node, or the same one after a restart).</summary>
    protected abstract Task<IAliasCounterStore> OpenAgainAsync();

    /// <summary>Releases every adapter created.</summary>
    protected abstract Task CloseAsync();

    public async Task InitializeAsync() => Store = await CreateAsync();

    public Task DisposeAsync() => CloseAsync();

    [SkippableFact]
    public async Task An_alias_never_counted_reads_zeros()
    {
        Assert.Equal(new AliasCounts(Alias), await Store.GetAsync(Alias, default));
        await Store.AddAsync([], default);
        Assert.Equal(new AliasCounts(Alias), await Store.GetAsync(Alias, default));
    }

    [SkippableFact]
    public async Task Batches_add_to_each_alias_on_its_own()
    {
        await Store.AddAsync([new AliasCounts(Alias, Forwarded: 3, Blocked: 1), new AliasCounts(Other, Replied: 2)], default);
        await Store.AddAsync([new AliasCounts(Alias, Forwarded: 2, Replied: 1)], default);

        Assert.Equal(new AliasCounts(Alias, 5, 1, 1), await Store.GetAsync(Alias, default));
        Assert.Equal(new AliasCounts(Other, 0, 2, 0), await Store.GetAsync(Other, default));
    }

    [SkippableFact]
    public async Task Counts_are_durable_and_seen_through_another_adapter()
    {
        await Store.AddAsync([new AliasCounts(Alias, Forwarded: 7)], default);
        var again = await OpenAgainAsync();

        Assert.Equal(new AliasCounts(Alias, 7), await again.GetAsync(Alias, default));
        await again.AddAsync([new AliasCounts(Alias, Forwarded: 1)], default);
        Assert.Equal(new AliasCounts(Alias, 8), await Store.GetAsync(Alias, default));
    }

    [SkippableFact]
    public async Task Batches_written_at_once_by_several_writers_lose_nothing()
    {
        var writers = new[] { Store, await OpenAgainAsync(), await OpenAgainAsync() };
        await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(async () =>
        {
            for (var n = 0; n < 25; n++)
            {
                // Both aliases in each batch, in either order: writers that lock row by row must not deadlock.
                AliasCounts[] batch = i % 2 == 0
                    ? [new AliasCounts(Alias, Forwarded: 1), new AliasCounts(Other, Blocked: 1)]
                    : [new AliasCounts(Other, Blocked: 1), new AliasCounts(Alias, Forwarded: 1)];
                await writers[i % writers.Length].AddAsync(batch, default);
            }
        })));

        Assert.Equal(new AliasCounts(Alias, Forwarded: 300), await Store.GetAsync(Alias, default));
        Assert.Equal(new AliasCounts(Other, Blocked: 300), await Store.GetAsync(Other, default));
    }
}
