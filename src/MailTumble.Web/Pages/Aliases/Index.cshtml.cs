using MailTumble.Core.Aliases;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Web.Pages.Aliases;

/// <summary>Aliases: search by prefix, add or change, hold and release; the detail page changes, removes and shows feedback.</summary>
internal sealed class AliasListModel(IServiceProvider services) : ConsolePage
{
    private const int PageSize = 100;

    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? After { get; set; }

    public bool Writable => services.GetService<IAliasAdmin>() is not null;

    public IReadOnlyList<AliasRecord> Items { get; private set; } = [];

    public string? NextCursor { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var q = string.IsNullOrWhiteSpace(Q) ? null : Q.Trim().ToLowerInvariant();
        Q = q;
        if (services.GetService<IAliasAdmin>() is { } admin)
        {
            Items = await admin.ListAsync(q, string.IsNullOrEmpty(After) ? null : After, PageSize, cancellationToken).ConfigureAwait(false);
            NextCursor = Items.Count == PageSize ? Items[^1].Address : null;
            return;
        }

        // A read-only directory cannot list: look the exact address up.
        if (q is not null && AliasActions.TryAddress(q, out var address))
        {
            var found = await services.GetRequiredService<IAliasDirectory>().LookupAsync(address, cancellationToken).ConfigureAwait(false);
            Items = found.Alias is { } record ? [record] : [];
        }
    }

    public async Task<IActionResult> OnPostAddAsync(string? address, string? target, CancellationToken cancellationToken)
    {
        if (!AliasActions.TryAddress(address, out var alias))
        {
            return Problem($"'{address}' is not a mail address (local@domain).");
        }

        if (!AliasActions.TryAddress(target, out var to))
        {
            return Problem($"'{target}' is not a mail address (local@domain).");
        }

        var created = await services.GetRequiredService<IAliasAdmin>().UpsertAsync(alias, to, cancellationToken).ConfigureAwait(false);
        return Done(created ? $"Created {alias} → {to}." : $"{alias} now forwards to {to}.");
    }

    public Task<IActionResult> OnPostHoldAsync(string? address, CancellationToken cancellationToken) => SetAsync(address, AliasStatus.Held, cancellationToken);

    public Task<IActionResult> OnPostReleaseAsync(string? address, CancellationToken cancellationToken) => SetAsync(address, AliasStatus.Active, cancellationToken);

    private async Task<IActionResult> SetAsync(string? address, AliasStatus status, CancellationToken cancellationToken)
    {
        if (!AliasActions.TryAddress(address, out var alias))
        {
            return Problem($"'{address}' is not a mail address.");
        }

        return await AliasActions.SetStatusAsync(services, alias, status, null, cancellationToken).ConfigureAwait(false)
            ? Done(status == AliasStatus.Held ? $"{alias} is held: its mail waits in Held mail." : $"{alias} is released: its mail is forwarded again.")
            : Problem($"There is no alias {alias}.");
    }
}
