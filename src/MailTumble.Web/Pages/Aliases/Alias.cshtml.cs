using MailTumble.Core.Aliases;
using MailTumble.Core.Feedback;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Web.Pages.Aliases;

/// <summary>One alias: target, status and counters, feedback history; change the target, hold or release, remove.</summary>
internal sealed class AliasModel(IServiceProvider services) : ConsolePage
{
    private const int HistoryShown = 100;

    public string Address { get; private set; } = string.Empty;

    public AliasRecord? Record { get; private set; }

    public FeedbackSummary Summary { get; private set; } = FeedbackSummary.Empty;

    public IReadOnlyList<StoredFeedback> History { get; private set; } = [];

    public bool Writable => services.GetService<IAliasAdmin>() is not null;

    public async Task<IActionResult> OnGetAsync(string address, CancellationToken cancellationToken)
    {
        if (!AliasActions.TryAddress(address.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase), out var parsed))
        {
            return NotFound();
        }

        Address = parsed;
        var lookup = await services.GetRequiredService<IAliasDirectory>().LookupAsync(parsed, cancellationToken).ConfigureAwait(false);
        if (lookup.Outcome == LookupOutcome.TemporaryFailure)
        {
            return StatusCode(503, $"The alias directory is unavailable: {lookup.Reason}");
        }

        Record = lookup.Alias;
        if (Record is null)
        {
            return NotFound();
        }

        if (services.GetService<IFeedbackStore>() is { } store)
        {
            Summary = await store.GetSummaryAsync(parsed, cancellationToken).ConfigureAwait(false);
        }

        if (services.GetService<IFeedbackHistory>() is { } history)
        {
            History = await history.ListRecentAsync(parsed, [], HistoryShown, cancellationToken).ConfigureAwait(false);
        }

        return Page();
    }

    public async Task<IActionResult> OnPostTargetAsync(string? address, string? target, CancellationToken cancellationToken)
    {
        if (!AliasActions.TryAddress(address, out var alias) || !AliasActions.TryAddress(target, out var to))
        {
            return Problem($"'{target}' is not a mail address (local@domain).");
        }

        await services.GetRequiredService<IAliasAdmin>().UpsertAsync(alias, to, cancellationToken).ConfigureAwait(false);
        return Done($"{alias} now forwards to {to}.");
    }

    public Task<IActionResult> OnPostHoldAsync(string? address, string? reason, CancellationToken cancellationToken) => SetAsync(address, AliasStatus.Held, reason, cancellationToken);

    public Task<IActionResult> OnPostReleaseAsync(string? address, string? reason, CancellationToken cancellationToken) => SetAsync(address, AliasStatus.Active, reason, cancellationToken);

    public async Task<IActionResult> OnPostRemoveAsync(string? address, bool confirm, CancellationToken cancellationToken)
    {
        if (!confirm || !AliasActions.TryAddress(address, out var alias))
        {
            return Problem("Tick the box to confirm the removal.");
        }

        return await services.GetRequiredService<IAliasAdmin>().RemoveAsync(alias, cancellationToken).ConfigureAwait(false)
            ? Done($"Removed {alias}.", "/console/aliases")
            : Problem($"There is no alias {alias}.", "/console/aliases");
    }

    private async Task<IActionResult> SetAsync(string? address, AliasStatus status, string? reason, CancellationToken cancellationToken)
    {
        if (!AliasActions.TryAddress(address, out var alias))
        {
            return Problem($"'{address}' is not a mail address.");
        }

        var reasonText = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        return await AliasActions.SetStatusAsync(services, alias, status, reasonText, cancellationToken).ConfigureAwait(false)
            ? Done(status == AliasStatus.Held ? $"{alias} is held." : $"{alias} is released.")
            : Problem($"There is no alias {alias}.");
    }
}
