namespace MailTumble.Core.Feedback;

/// <summary>Port: remembers sent deliveries (for attribution) and feedback events (once each).</summary>
public interface IFeedbackStore
{
    /// <summary>Records a sent delivery; durable on return.</summary>
    Task RecordDeliveryAsync(SentDelivery delivery, CancellationToken cancellationToken);

    /// <summary>The delivery with this queue item id, if it was sent.</summary>
    Task<SentDelivery?> FindDeliveryAsync(string deliveryId, CancellationToken cancellationToken);

    /// <summary>The deliveries the provider gave this message id.</summary>
    Task<IReadOnlyList<SentDelivery>> FindByProviderMessageIdAsync(string providerMessageId, CancellationToken cancellationToken);

    /// <summary>Stores an event; false (and nothing changes) when an event with its key is already stored.</summary>
    Task<bool> TryAddEventAsync(StoredFeedback feedback, CancellationToken cancellationToken);

    /// <summary>Forgets an event whose consequence could not be applied, so a redelivery is processed again.</summary>
    Task RemoveEventAsync(string key, CancellationToken cancellationToken);

    /// <summary>Counts the events recorded for an alias.</summary>
    Task<FeedbackSummary> GetSummaryAsync(string alias, CancellationToken cancellationToken);
}
