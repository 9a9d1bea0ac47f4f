namespace MailTumble.Core.Delivery;

/// <summary>Port: where the send-out stage publishes its status, readable from other processes (CLI).</summary>
public interface IDeliveryStatusStore
{
    /// <summary>Publishes the latest status.</summary>
    Task SaveAsync(DeliveryStatus status, CancellationToken cancellationToken);

    /// <summary>The last published status, if any.</summary>
    Task<DeliveryStatus?> LoadAsync(CancellationToken cancellationToken);

    /// <summary>When deliveries were sent since <paramref name="since"/> (to seed the daily quota after a restart).</summary>
    Task<IReadOnlyList<DateTimeOffset>> SentSinceAsync(DateTimeOffset since, CancellationToken cancellationToken);
}
