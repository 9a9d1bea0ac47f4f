using MailTumble.Core.Queue;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Web.Pages.DeadLetters;

/// <summary>Replay and purge, through the same services as <c>POST /dlq/replay</c> and <c>DELETE /dlq</c>.</summary>
internal static class DeadLetterActions
{
    public static Task<int> ReplayAsync(IServiceProvider services, IReadOnlyCollection<string>? ids, CancellationToken cancellationToken) =>
        services.GetRequiredService<IOutgoingQueue>().ReplayDeadAsync(ids, cancellationToken);

    /// <summary>Deletes dead letters older than <paramref name="age"/> (and, through Core, the stored messages nothing else needs); null when the backend cannot.</summary>
    public static async Task<int?> PurgeAsync(IServiceProvider services, TimeSpan age, CancellationToken cancellationToken)
    {
        var purge = services.GetRequiredService<DeadLetterPurge>();
        if (!purge.Supported)
        {
            return null;
        }

        var (purged, _) = await purge.PurgeAsync(age, cancellationToken).ConfigureAwait(false);
        return purged;
    }
}
