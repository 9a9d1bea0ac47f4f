using MailTumble.Core.Feedback;
using MailTumble.Testing;
using MailTumble.Testing.Contracts;

namespace MailTumble.Sqlite.Tests;

public sealed class SqliteFeedbackStoreTests : FeedbackStoreContract, IDisposable
{
    private readonly TempDirectory _dir = new();
    private SqliteWriter? _writer;

    protected override Task<IFeedbackStore> CreateAsync(TimeProvider time)
    {
        var database = new SqliteDatabase(Path.Combine(_dir.Path, "feedback.db"));
        _writer = new SqliteWriter(database, 64);
        return Task.FromResult<IFeedbackStore>(new SqliteFeedbackStore(database, _writer, time));
    }

    protected override async Task CloseAsync(IFeedbackStore store)
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
        }
    }

    public void Dispose() => _dir.Dispose();
}
