using MailTumble.Core.Queue;
using MailTumble.Testing;
using Npgsql;

namespace MailTumble.Postgres.Tests;

/// <summary>
/// The server going away under the queue (a TCP proxy on loopback, cut): every call the send-out and its monitors make
/// reports <see cref="QueueUnavailableException"/>, the outage they log once, whether the break shows when a connection
/// is opened or on a pooled connection in the middle of a statement.
/// </summary>
public sealed class PostgresQueueOutageTests : IAsyncLifetime
{
    private readonly TestSchema _schema = new();
    private LoopbackTcpProxy? _proxy;

    public static TheoryData<string> Calls => ["stats", "depth", "depth census", "lease", "lease lanes", "lane stats", "next due", "due lanes"];

    [SkippableTheory]
    [MemberData(nameof(Calls))]
    public async Task A_server_that_goes_away_mid_statement_is_reported_as_an_outage(string call)
    {
        var server = new NpgsqlConnectionStringBuilder(_schema.ConnectionString);
        _proxy = new LoopbackTcpProxy(server.Host!, server.Port);
        var throughProxy = new NpgsqlConnectionStringBuilder(_schema.ConnectionString) { Host = "127.0.0.1", Port = _proxy.Port }.ConnectionString;
        await using var database = new PostgresDatabase(throughProxy, _schema.Name);
        await using var queue = new PostgresOutgoingQueue(database, TimeProvider.System);

        // A pooled connection that breaks under the next statement (the census hit this one, unclassified, under load).
        await queue.GetStatsAsync(default);
        _proxy.Cut();

        var failure = await Record.ExceptionAsync(() => Call(queue, call));
        var outage = Assert.IsType<QueueUnavailableException>(failure);
        Assert.Contains($"cannot use PostgreSQL at 127.0.0.1:{_proxy.Port} (MailTumble:Postgres:ConnectionString)", outage.Message, StringComparison.Ordinal);
    }

    private static Task Call(PostgresOutgoingQueue queue, string call) => call switch
    {
        "stats" => queue.GetStatsAsync(default),
        "depth" => queue.GetDepthAsync(default),
        "depth census" => queue.GetLaneCensusAsync(new LaneCensusQuery(10), default),
        "lease" => queue.LeaseAsync(5, TimeSpan.FromMinutes(5), default),
        "lease lanes" => queue.LeaseLanesAsync([new LaneTake("a.example", 1)], TimeSpan.FromMinutes(5), default),
        "lane stats" => queue.GetLaneStatsAsync(["a.example"], default),
        "next due" => queue.NextDueAsync(default),
        "due lanes" => queue.ListDueLanesAsync(null, 10, default),
        _ => throw new ArgumentOutOfRangeException(nameof(call)),
    };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        await _schema.DisposeAsync();
    }
}
