using MailTumble.Core.Feedback;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Web.Pages.Feedback;

/// <summary>Recent bounces and complaints with the alias and the sent delivery they were attributed to.</summary>
internal sealed class FeedbackListModel(IServiceProvider services) : ConsolePage
{
    private const int Shown = 200;

    [BindProperty(SupportsGet = true)]
    public string? Type { get; set; }

    public bool Available => services.GetService<IFeedbackHistory>() is not null;

    public IReadOnlyList<(StoredFeedback Event, SentDelivery? Delivery)> Items { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Type = Type?.Trim().ToLowerInvariant() is "bounce" or "complaint" or "delivery" ? Type.Trim().ToLowerInvariant() : null;
        if (services.GetService<IFeedbackHistory>() is not { } history)
        {
            return;
        }

        IReadOnlyCollection<FeedbackType> types = Type switch
        {
            "bounce" => [FeedbackType.Bounce],
            "complaint" => [FeedbackType.Complaint],
            "delivery" => [FeedbackType.Delivery],
            _ => [FeedbackType.Bounce, FeedbackType.Complaint],
        };
        var events = await history.ListRecentAsync(null, types, Shown, cancellationToken).ConfigureAwait(false);
        var store = services.GetService<IFeedbackStore>();
        var items = new List<(StoredFeedback, SentDelivery?)>(events.Count);
        foreach (var e in events)
        {
            items.Add((e, store is null ? null : await store.FindDeliveryAsync(e.DeliveryId, cancellationToken).ConfigureAwait(false)));
        }

        Items = items;
    }

    public async Task<IActionResult> OnGetRowsAsync(CancellationToken cancellationToken)
    {
        await OnGetAsync(cancellationToken).ConfigureAwait(false);
        return Partial("/Pages/Feedback/_Rows.cshtml", this);
    }
}
