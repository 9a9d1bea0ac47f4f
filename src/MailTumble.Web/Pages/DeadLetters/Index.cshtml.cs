using MailTumble.Core.Queue;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Web.Pages.DeadLetters;

/// <summary>Dead letters: list with the last reply, replay one or all, purge older than an age.</summary>
internal sealed class DeadLetterListModel(IServiceProvider services) : ConsolePage
{
    private const int Shown = 200;

    public IReadOnlyList<DeadLetter> Items { get; private set; } = [];

    public bool CanPurge => services.GetRequiredService<DeadLetterPurge>().Supported;

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Items = await services.GetRequiredService<IOutgoingQueue>().ListDeadAsync(Shown, cancellationToken).ConfigureAwait(false);

    public async Task<IActionResult> OnGetRowsAsync(CancellationToken cancellationToken)
    {
        await OnGetAsync(cancellationToken).ConfigureAwait(false);
        return Partial("/Pages/DeadLetters/_Rows.cshtml", this);
    }

    public async Task<IActionResult> OnPostReplayAsync(string? id, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(id))
        {
            return Problem("Name the dead letter to replay.", "/console/dlq");
        }

        var count = await DeadLetterActions.ReplayAsync(services, [id], cancellationToken).ConfigureAwait(false);
        return count == 1 ? Done("Replayed: the delivery is queued again.", "/console/dlq") : Problem("That dead letter is gone (replayed or purged already).", "/console/dlq");
    }

    public async Task<IActionResult> OnPostReplayAllAsync(CancellationToken cancellationToken)
    {
        var count = await DeadLetterActions.ReplayAsync(services, null, cancellationToken).ConfigureAwait(false);
        return Done($"Replayed {count} dead letter{(count == 1 ? string.Empty : "s")}.", "/console/dlq");
    }

    public async Task<IActionResult> OnPostPurgeAsync(string? older, CancellationToken cancellationToken)
    {
        if (!Format.TryAge(older, out var age))
        {
            return Problem($"'{older}' is not an age such as 7d, 12h or 30m.", "/console/dlq");
        }

        var purged = await DeadLetterActions.PurgeAsync(services, age, cancellationToken).ConfigureAwait(false);
        return purged is null
            ? Problem("This queue backend does not support purging dead letters.", "/console/dlq")
            : Done($"Purged {purged} dead letter{(purged == 1 ? string.Empty : "s")} older than {older}.", "/console/dlq");
    }
}
