using MailTumble.Core.Aliases;
using MailTumble.Testing;

namespace MailTumble.Sqlite.Tests;

public sealed class SqliteAliasDirectoryTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly SqliteAliasDirectory _directory;

    public SqliteAliasDirectoryTests()
    {
        _directory = new SqliteAliasDirectory(new SqliteDatabase(Path.Combine(_dir.Path, "aliases.db")), TimeProvider.System);
    }

    [Fact]
    public async Task Added_aliases_are_found_case_insensitively_and_unknown_ones_are_not()
    {
        Assert.True(await _directory.UpsertAsync("X7G2@Mask.Example.com", "John@Real.Example.org", default));
        var found = await _directory.LookupAsync("x7g2@MASK.example.com", default);
        Assert.Equal(LookupOutcome.Found, found.Outcome);
        Assert.Equal("john@real.example.org", found.Alias!.Target);
        Assert.Equal(AliasStatus.Active, found.Alias.Status);
        Assert.Equal(LookupOutcome.NotFound, (await _directory.LookupAsync("nobody@mask.example.com", default)).Outcome);
        Assert.True(await _directory.HasDomainAsync("mask.example.com", default));
        Assert.False(await _directory.HasDomainAsync("other.example", default));
    }

    [Fact]
    public async Task Upsert_changes_the_target_and_status_changes_stick()
    {
        Assert.True(await _directory.UpsertAsync("a@mask.example.com", "one@real.example.org", default));
        Assert.False(await _directory.UpsertAsync("a@mask.example.com", "two@real.example.org", default));
        Assert.True(await _directory.SetStatusAsync("a@mask.example.com", AliasStatus.Dead, default));
        var alias = (await _directory.LookupAsync("a@mask.example.com", default)).Alias!;
        Assert.Equal(("two@real.example.org", AliasStatus.Dead), (alias.Target, alias.Status));
        Assert.False(await _directory.SetStatusAsync("missing@mask.example.com", AliasStatus.Held, default));
        Assert.True(await _directory.RemoveAsync("a@mask.example.com", default));
        Assert.False(await _directory.RemoveAsync("a@mask.example.com", default));
    }

    [Fact]
    public async Task Bad_addresses_are_refused_with_a_clear_message()
    {
        var error = await Assert.ThrowsAsync<FormatException>(() => _directory.UpsertAsync("not-an-address", "x@y.example", default));
        Assert.Contains("not-an-address", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_of_100000_rows_lands_them_all_and_lists_in_pages()
    {
        var progress = new List<int>();
        var count = await _directory.ImportAsync(Rows(100_000), new SyncProgress(progress.Add), default);
        Assert.Equal(100_000, count);
        Assert.Equal(100_000, progress[^1]);
        Assert.Equal(LookupOutcome.Found, (await _directory.LookupAsync("alias99999@mask.example.com", default)).Outcome);

        var page = await _directory.ListAsync("alias1000", null, 5, default);
        // '0' sorts before '@', so alias10000@ comes before alias1000@.
        Assert.Equal(["alias10000@mask.example.com", "alias10001@mask.example.com", "alias10002@mask.example.com", "alias10003@mask.example.com", "alias10004@mask.example.com"], page.Select(a => a.Address));
        var next = await _directory.ListAsync("alias1000", page[^1].Address, 5, default);
        Assert.Equal("alias10005@mask.example.com", next[0].Address);
    }

    private static async IAsyncEnumerable<AliasImportLine> Rows(int count)
    {
        await Task.Yield();
        for (var i = 0; i < count; i++)
        {
            yield return new($"alias{i}@mask.example.com", $"person{i}@real.example.org");
        }
    }

    public void Dispose() => _dir.Dispose();

    private sealed class SyncProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }

    [Fact]
    public async Task A_configured_bounce_limit_decides_when_bounces_kill()
    {
        var directory = new SqliteAliasDirectory(new SqliteDatabase(Path.Combine(_dir.Path, "limit.db")), TimeProvider.System, bounceLimit: 5);
        await directory.UpsertAsync("a@mask.example.com", "john@real.example.org", default);
        for (var i = 1; i <= 6; i++)
        {
            await directory.RecordFeedbackAsync("a@mask.example.com", FeedbackKind.Bounce, default);
            Assert.Equal(i <= 5 ? AliasStatus.Active : AliasStatus.Dead, (await directory.LookupAsync("a@mask.example.com", default)).Alias!.Status);
        }
    }
}
