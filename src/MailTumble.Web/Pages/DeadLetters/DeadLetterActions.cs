using MailTumble.Core.Queue;
using MailTumble.Core.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Web.Pages.DeadLetters;

/// <summary>Replay and purge, as <c>POST /dlq/replay</c> and <c>DELETE /dlq</c> do them.</summary>
internal static class DeadLetterActions
{
    public static Task<int> ReplayAsync(IServiceProvider services, IReadOnlyCollection<string>? ids, CancellationToken cancellationToken) =>
        services.GetRequiredService<IOutgoingQueue>().ReplayDeadAsync(ids, cancellationToken);

    /// <summary>Deletes dead letters older than <paramref name="age"/> and the stored messages nothing else refers to.</summary>
    public static async Task<int?> PurgeAsync(IServiceProvider services, TimeSpan age, TimeProvider time, CancellationToken cancellationToken)
    {
        if (services.GetService<IDeadLetterAdmin>() is not { } admin)
        {
            return null;
        }

        var (purged, released) = await admin.PurgeDeadAsync(time.GetUtcNow() - age, cancellationToken).ConfigureAwait(false);
        var raw = services.GetRequiredService<IRawStore>();
        foreach (var key in released)
        {
            await raw.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        }

        return purged;
    }
}
