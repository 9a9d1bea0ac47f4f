namespace MailTumble.Postgres.Tests;

/// <summary>What the raw store contract cannot see: how PostgreSQL holds the bytes.</summary>
public sealed class PostgresRawStoreTests : IAsyncLifetime
{
    private readonly TestSchema _schema = new();

    [SkippableFact]
    public async Task A_message_is_stored_in_chunk_rows_and_read_from_any_offset()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch + TimeSpan.FromDays(20_000));
        var store = new PostgresRawStore(_schema.Open(), time);
        var bytes = Enumerable.Range(0, (PostgresRawStore.ChunkSize * 2) + 1000).Select(i => (byte)(i * 31)).ToArray();
        await using (var writer = await store.CreateAsync("big", default))
        {
            for (var offset = 0; offset < bytes.Length; offset += 10_000)
            {
                await writer.WriteAsync(bytes.AsMemory(offset, Math.Min(10_000, bytes.Length - offset)), default);
            }

            // Two full chunks are already in the table before the commit: nothing waits in memory but the last one.
            Assert.Equal(2L, await _schema.ScalarAsync("SELECT COUNT(*) FROM raw_chunks WHERE key = 'big'"));
            await writer.CommitAsync(default);
        }

        Assert.Equal(3L, await _schema.ScalarAsync("SELECT COUNT(*) FROM raw_chunks WHERE key = 'big'"));
        Assert.Equal(PostgresRawStore.ChunkSize, await _schema.ScalarAsync("SELECT MAX(length(data)) FROM raw_chunks WHERE key = 'big'"));

        await using var read = await store.OpenReadAsync("big", default);
        var start = PostgresRawStore.ChunkSize + 12_345;
        read.Seek(start, SeekOrigin.Begin);
        var rest = new MemoryStream();
        await read.CopyToAsync(rest);
        Assert.Equal(bytes[start..], rest.ToArray());
    }

    [SkippableFact]
    public async Task What_a_node_killed_mid_message_left_is_swept_a_day_later()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch + TimeSpan.FromDays(20_000));
        var database = _schema.Open();
        var store = new PostgresRawStore(database, time);

        // Never committed nor disposed: the process died.
        var writer = await store.CreateAsync("dead", default);
        await writer.WriteAsync(new byte[PostgresRawStore.ChunkSize], default);
        await store.PutAsync("kept", new System.Buffers.ReadOnlySequence<byte>(new byte[10]), default);
        await Assert.ThrowsAsync<FileNotFoundException>(() => store.OpenReadAsync("dead", default));

        await using var connection = await database.OpenAsync(default);
        Assert.Equal(0, await PostgresRawStore.SweepAsync(connection, time.GetUtcNow() - TimeSpan.FromDays(1), default));
        time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await PostgresRawStore.SweepAsync(connection, time.GetUtcNow() - TimeSpan.FromDays(1), default));
        Assert.Equal(0L, await _schema.ScalarAsync("SELECT COUNT(*) FROM raw_chunks WHERE key = 'dead'"));
        Assert.Equal(1L, await _schema.ScalarAsync("SELECT COUNT(*) FROM raw_chunks WHERE key = 'kept'"));
        await using var kept = await store.OpenReadAsync("kept", default);
        Assert.Equal(10, kept.Length);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();
}
