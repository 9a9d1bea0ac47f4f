using Microsoft.Extensions.Hosting;

namespace MailTumble.Postgres;

/// <summary>Creates or migrates the schema when the relay starts, so an unreachable server or a schema too new stops start with its reason.</summary>
internal sealed class PostgresSchemaStarter(PostgresDatabase database) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => database.EnsureCreatedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
