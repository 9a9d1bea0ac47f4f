using MailTumble.Core.Moderation;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Web.Pages.Held;

/// <summary>Held mail: filters (alias, sender, reason, age), approve or reject one or many, allow or block their senders.</summary>
internal sealed class HeldListModel(IServiceProvider services, TimeProvider time) : ConsolePage
{
    private const int Shown = 500;

    [BindProperty(SupportsGet = true)]
    public string? Alias { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Sender { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Reason { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Older { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool Decided { get; set; }

    public IReadOnlyList<HeldMessage> Items { get; private set; } = [];

    public string? FilterProblem { get; private set; }

    public bool Filtered => Alias is not null || Sender is not null || Reason is not null || Older is not null;

    public string RowsUrl => "/console/held?handler=Rows&" + Request.QueryString.Value?.TrimStart('?');

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<IHeldStore>() is null)
        {
            FilterProblem = "Moderation is not available in this process.";
            return Page();
        }

        await LoadAsync(cancellationToken).ConfigureAwait(false);
        return Page();
    }

    /// <summary>The table's rows alone, for the page's polling.</summary>
    public async Task<IActionResult> OnGetRowsAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken).ConfigureAwait(false);
        return Partial("/Pages/Held/_Rows.cshtml", this);
    }

    public async Task<IActionResult> OnPostApproveAsync(string[] ids, bool allowSender, CancellationToken cancellationToken)
    {
        if (ids.Length == 0)
        {
            return Problem("Select the messages to approve.");
        }

        var count = await services.GetRequiredService<Moderator>().ApproveAsync(new HeldQuery(ids), By, null, allowSender, cancellationToken).ConfigureAwait(false);
        return Done($"Approved {count} message{(count == 1 ? string.Empty : "s")}{(allowSender ? "; their senders are allowed for those aliases" : string.Empty)}.");
    }

    public async Task<IActionResult> OnPostRejectAsync(string[] ids, bool blockSender, CancellationToken cancellationToken)
    {
        if (ids.Length == 0)
        {
            return Problem("Select the messages to reject.");
        }

        var blocked = blockSender ? await HeldActions.BlockSendersAsync(services, ids, time, cancellationToken).ConfigureAwait(false) : 0;
        var count = await services.GetRequiredService<Moderator>().RejectAsync(new HeldQuery(ids), By, null, cancellationToken).ConfigureAwait(false);
        return Done($"Rejected {count} message{(count == 1 ? string.Empty : "s")}{(blockSender ? $"; {blocked} sender rule{(blocked == 1 ? string.Empty : "s")} set to block" : string.Empty)}.");
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<IHeldStore>();
        string? sender = null;
        if (!string.IsNullOrWhiteSpace(Sender))
        {
            try
            {
                sender = SenderPattern.Parse(Sender);
            }
            catch (FormatException ex)
            {
                FilterProblem = ex.Message;
                return;
            }
        }

        DateTimeOffset? before = null;
        if (!string.IsNullOrWhiteSpace(Older))
        {
            if (!Format.TryAge(Older, out var age))
            {
                FilterProblem = $"'{Older}' is not an age such as 30m, 12h or 7d.";
                return;
            }

            before = time.GetUtcNow() - age;
        }

        var alias = string.IsNullOrWhiteSpace(Alias) ? null : Alias.Trim().ToLowerInvariant();
        var list = await store.ListAsync(new HeldQuery(null, alias, sender, before, Shown, Decided), cancellationToken).ConfigureAwait(false);
        Items = string.IsNullOrWhiteSpace(Reason)
            ? list
            : list.Where(h => h.Reason.Contains(Reason.Trim(), StringComparison.OrdinalIgnoreCase)).ToList();
    }
}
