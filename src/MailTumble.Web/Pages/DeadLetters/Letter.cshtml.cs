using MailTumble.Core.Queue;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Web.Pages.DeadLetters;

/// <summary>One dead letter: its full last reply and rewritten headers.</summary>
internal sealed class DeadLetterModel(IServiceProvider services) : ConsolePage
{
    public DeadLetter? Letter { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        if (services.GetService<IDeadLetterAdmin>() is { } admin)
        {
            Letter = await admin.GetDeadAsync(id, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Backends without single lookups (SQS): find it in the listing.
            var list = await services.GetRequiredService<IOutgoingQueue>().ListDeadAsync(1000, cancellationToken).ConfigureAwait(false);
            Letter = list.FirstOrDefault(d => d.Item.Id == id);
        }

        return Letter is null ? NotFound() : Page();
    }
}
