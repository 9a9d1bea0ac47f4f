using MailTumble.Core.Cluster;
using MailTumble.Core.Delivery;
using MailTumble.Testing.Contracts;
using Microsoft.Extensions.Options;

namespace MailTumble.Postgres.Tests;

/// <summary>The rate budget contract on real PostgreSQL and its clock (heartbeats age for real, so these wait seconds).</summary>
public sealed class PostgresRateBudgetTests : RateBudgetContract
{
    private readonly TestSchema _schema = new();

    protected override TimeSpan LiveWindow => PostgresRateBudget.LiveWindow;

    protected override IRateBudget Node() => new PostgresRateBudget(_schema.Open(), Options.Create(new DeliveryOptions { MaxSendRate = Rate }));

    protected override async Task<DateTimeOffset> LastBeatAsync(string node) =>
        DateTimeOffset.FromUnixTimeMilliseconds((long)(double)(await _schema.ScalarAsync($"SELECT EXTRACT(EPOCH FROM last_beat)::float8 * 1000 FROM nodes WHERE node_id = '{node}'"))!);

    public override Task DisposeAsync() => _schema.DisposeAsync().AsTask();
}
