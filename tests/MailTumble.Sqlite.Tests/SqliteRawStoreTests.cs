using System.Buffers;
using MailTumble.Core.Storage;
using MailTumble.Files;
using MailTumble.Testing;
using MailTumble.Testing.Contracts;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace MailTumble.Sqlite.Tests;

/// <summary>The embedded raw store: whole messages as rows in the queue's group commit, large and streamed ones (and older versions' files) as files.</summary>
public sealed class SqliteRawStoreTests : RawStoreContract, IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly SqliteDatabase _database;
    private readonly SqliteWriter _writer;
    private readonly FileRawStore _files;

    public SqliteRawStoreTests()
    {
        _database = new SqliteDatabase(Path.Combine(_dir.Path, "mailtumble.db"));
        _writer = new SqliteWriter(_database, 1024);
        _files = new FileRawStore(Options.Create(new FileStoreOptions { RawDirectory = Path.Combine(_dir.Path, "raw") }));
        Store = new SqliteRawStore(_database, _writer, _files);
    }

    protected override IRawStore Store { get; }

    private string[] Files => Directory.Exists(Path.Combine(_dir.Path, "raw"))
        ? Directory.EnumerateFiles(Path.Combine(_dir.Path, "raw"), "*.eml", SearchOption.AllDirectories).ToArray()
        : [];

    [Fact]
    public async Task Whole_messages_are_rows_and_concurrent_puts_share_commits()
    {
        var keys = Enumerable.Range(0, 64).Select(_ => Guid.NewGuid().ToString("N")).ToList();
        var before = _writer.Commits;
        await Task.WhenAll(keys.Select(key => Task.Run(() => Store.PutAsync(key, new ReadOnlySequence<byte>(System.Text.Encoding.ASCII.GetBytes("Subject: " + key + "\r\n\r\nbody\r\n")), default))));

        Assert.Equal(64, Rows());
        Assert.Empty(Files);
        Assert.True(_writer.Commits - before < 64, $"64 puts took {_writer.Commits - before} commits: none shared");
        foreach (var key in keys)
        {
            await using var read = await Store.OpenReadAsync(key, default);
            Assert.Equal("Subject: " + key + "\r\n\r\nbody\r\n", await new StreamReader(read).ReadToEndAsync());
        }

        await Task.WhenAll(keys.Select(key => Store.DeleteAsync(key, default)));
        Assert.Equal(0, Rows());
    }

    [Fact]
    public async Task A_message_just_stored_is_read_from_memory_until_it_is_deleted()
    {
        var store = (SqliteRawStore)Store;
        var key = Guid.NewGuid().ToString("N");
        var content = "Subject: recent\r\n\r\nbody\r\n"u8.ToArray();
        await Store.PutAsync(key, new ReadOnlySequence<byte>(content), default);
        Assert.Equal(content.Length, store.RecentBytes);
        Assert.Equal(1, Rows());

        await using (var read = await Store.OpenReadAsync(key, default))
        {
            Assert.Equal("Subject: recent\r\n\r\nbody\r\n", await new StreamReader(read).ReadToEndAsync());
        }

        await Store.DeleteAsync(key, default);
        Assert.Equal(0, store.RecentBytes);
        Assert.Equal(0, Rows());
        await Assert.ThrowsAsync<FileNotFoundException>(() => Store.OpenReadAsync(key, default));
    }

    [Fact]
    public async Task Memory_for_recent_messages_is_bounded_and_the_rest_is_read_from_rows()
    {
        var store = (SqliteRawStore)Store;
        var count = (int)(SqliteRawStore.RecentLimit / SqliteRawStore.InlineLimit) + 3;
        var keys = Enumerable.Range(0, count).Select(_ => Guid.NewGuid().ToString("N")).ToList();
        foreach (var (key, i) in keys.Select((k, i) => (k, i)))
        {
            var bytes = new byte[SqliteRawStore.InlineLimit];
            bytes.AsSpan().Fill((byte)('a' + i));
            await Store.PutAsync(key, new ReadOnlySequence<byte>(bytes), default);
        }

        Assert.InRange(store.RecentBytes, 1, SqliteRawStore.RecentLimit);
        Assert.Equal(count, Rows());
        foreach (var (key, i) in keys.Select((k, i) => (k, i)))
        {
            await using var read = await Store.OpenReadAsync(key, default);
            var back = new byte[SqliteRawStore.InlineLimit];
            await read.ReadExactlyAsync(back);
            Assert.All(new[] { back[0], back[^1] }, b => Assert.Equal((byte)('a' + i), b));
        }

        foreach (var key in keys)
        {
            await Store.DeleteAsync(key, default);
        }

        Assert.Equal(0, store.RecentBytes);
        Assert.Equal(0, Rows());
    }

    [Fact]
    public async Task A_message_over_the_inline_limit_is_a_file()
    {
        var key = Guid.NewGuid().ToString("N");
        var bytes = new byte[SqliteRawStore.InlineLimit + 1];
        await Store.PutAsync(key, new ReadOnlySequence<byte>(bytes), default);
        Assert.Equal(0, Rows());
        Assert.Single(Files);

        await Store.DeleteAsync(key, default);
        Assert.Empty(Files);
    }

    [Fact]
    public async Task A_file_stored_by_an_earlier_version_is_read_and_deleted()
    {
        // What a relay before raw_messages left in its queue: one file per message under raw/.
        var key = Guid.NewGuid().ToString("N");
        await _files.PutAsync(key, new ReadOnlySequence<byte>("Subject: old\r\n\r\nfrom a file\r\n"u8.ToArray()), default);

        await using (var read = await Store.OpenReadAsync(key, default))
        {
            Assert.Equal("Subject: old\r\n\r\nfrom a file\r\n", await new StreamReader(read).ReadToEndAsync());
        }

        await Store.DeleteAsync(key, default);
        Assert.Empty(Files);
        await Assert.ThrowsAsync<FileNotFoundException>(() => Store.OpenReadAsync(key, default));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _writer.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    private long Rows()
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM raw_messages";
        return (long)command.ExecuteScalar()!;
    }
}
