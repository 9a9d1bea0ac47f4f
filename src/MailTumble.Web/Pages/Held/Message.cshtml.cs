using MailTumble.Core.Moderation;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Web.Pages.Held;

/// <summary>One held message: why it is held, its original headers and its text (as text), and the decision.</summary>
internal sealed class HeldMessageModel(IServiceProvider services, TimeProvider time) : ConsolePage
{
    private const int PreviewChars = 20_000;

    public HeldDetails? Details { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        if (services.GetService<Moderator>() is not { } moderator)
        {
            return NotFound();
        }

        Details = await moderator.ShowAsync(id, PreviewChars, cancellationToken).ConfigureAwait(false);
        return Details is null ? NotFound() : Page();
    }

    public async Task<IActionResult> OnPostApproveAsync(string id, string? reason, bool allowSender, CancellationToken cancellationToken)
    {
        var count = await services.GetRequiredService<Moderator>().ApproveAsync(new HeldQuery([id]), By, Blank(reason), allowSender, cancellationToken).ConfigureAwait(false);
        return count == 1 ? Done("Approved: the message is queued.") : Problem("It was already decided.");
    }

    public async Task<IActionResult> OnPostRejectAsync(string id, string? reason, bool blockSender, CancellationToken cancellationToken)
    {
        if (blockSender)
        {
            await HeldActions.BlockSendersAsync(services, [id], time, cancellationToken).ConfigureAwait(false);
        }

        var count = await services.GetRequiredService<Moderator>().RejectAsync(new HeldQuery([id]), By, Blank(reason), cancellationToken).ConfigureAwait(false);
        return count == 1 ? Done("Rejected: the message will not be sent.") : Problem("It was already decided.");
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
