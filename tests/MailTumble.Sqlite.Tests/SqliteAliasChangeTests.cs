using MailTumble.Core.Aliases;
using MailTumble.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Sqlite.Tests;

/// <summary>
/// A running relay caches lookups; changes made by another process on the same database file (the CLI
/// while <c>serve</c> runs) must reach that cache within the change-check interval, not after the TTL.
/// </summary>
public sealed class SqliteAliasChangeTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-28T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly CachingAliasDirectory _serve;
    private readonly SqliteAliasDirectory _cli;

    public SqliteAliasChangeTests()
    {
        var path = Path.Combine(_dir.Path, "mailtumble.db");
        // Two database objects on one file, as two processes would have.
        var inner = new SqliteAliasDirectory(new SqliteDatabase(path), _time);
        _serve = new CachingAliasDirectory(inner, inner, Options.Create(new DirectoryCacheOptions()), _time);
        _cli = new SqliteAliasDirectory(new SqliteDatabase(path), TimeProvider.System);
    }

    [Fact]
    public async Task Another_process_adding_holding_and_removing_an_alias_is_seen_within_a_second()
    {
        const string Alias = "x7g2@mask.example.com";
        Assert.Equal(LookupOutcome.NotFound, (await _serve.LookupAsync(Alias, default)).Outcome);

        await _cli.UpsertAsync(Alias, "john@real.example.org", default);
        _time.Advance(SqliteAliasDirectory.ChangeCheckInterval);
        Assert.Equal(LookupOutcome.Found, (await _serve.LookupAsync(Alias, default)).Outcome);

        await _cli.SetStatusAsync(Alias, AliasStatus.Held, default);
        _time.Advance(SqliteAliasDirectory.ChangeCheckInterval);
        Assert.Equal(AliasStatus.Held, (await _serve.LookupAsync(Alias, default)).Alias!.Status);

        await _cli.RemoveAsync(Alias, default);
        _time.Advance(SqliteAliasDirectory.ChangeCheckInterval);
        Assert.Equal(LookupOutcome.NotFound, (await _serve.LookupAsync(Alias, default)).Outcome);
    }

    [Fact]
    public async Task Counting_feedback_does_not_move_the_change_counter_but_a_status_change_does()
    {
        var directory = new SqliteAliasDirectory(new SqliteDatabase(Path.Combine(_dir.Path, "other.db")), _time);
        await directory.UpsertAsync("a@mask.example.com", "john@real.example.org", default);
        var before = directory.Version;

        await directory.RecordFeedbackAsync("a@mask.example.com", FeedbackKind.Delivery, default);
        await directory.RecordFeedbackAsync("a@mask.example.com", FeedbackKind.Bounce, default);
        _time.Advance(SqliteAliasDirectory.ChangeCheckInterval);
        Assert.Equal(before, directory.Version);

        await directory.RecordFeedbackAsync("a@mask.example.com", FeedbackKind.Complaint, default);
        _time.Advance(SqliteAliasDirectory.ChangeCheckInterval);
        Assert.NotEqual(before, directory.Version);
    }

    public void Dispose() => _dir.Dispose();
}
