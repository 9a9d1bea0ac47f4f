using MailTumble.Core.Delivery;
using MailTumble.Core.Queue;
using MailTumble.Testing;
using MailTumble.Testing.Contracts;

namespace MailTumble.Sqlite.Tests;

public sealed class SqliteDeliveryLogContractTests : DeliveryLogContract, IDisposable
{
    private readonly TempDirectory _dir = new();
    private SqliteWriter? _writer;

    protected override Task<(IOutgoingQueue Queue, IDeliveryStatusStore Status)> CreateAsync(TimeProvider time)
    {
        var database = new SqliteDatabase(Path.Combine(_dir.Path, "log.db"));
        _writer = new SqliteWriter(database, 64);
        return Task.FromResult<(IOutgoingQueue, IDeliveryStatusStore)>((new SqliteOutgoingQueue(database, _writer, time), new SqliteDeliveryStatusStore(database, _writer)));
    }

    protected override async Task CloseAsync(IOutgoingQueue queue, IDeliveryStatusStore status)
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
        }
    }

    public void Dispose() => _dir.Dispose();
}
