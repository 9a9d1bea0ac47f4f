using MailTumble.Core.Delivery;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Cluster;

/// <summary>
/// The rate budget of a single node (the embedded family): it has all of <c>MAXIMUM_SEND_RATE</c>. Its status is the
/// one this process publishes through <see cref="IDeliveryStatusStore"/>, which is also what <see cref="ListNodesAsync"/> reports.
/// </summary>
public sealed class LocalRateBudget : IRateBudget
{
    private readonly DeliveryOptions _options;
    private readonly IDeliveryStatusStore? _status;
    private readonly NodeIdentity _node;

    /// <summary>Creates the budget.</summary>
    public LocalRateBudget(IOptions<DeliveryOptions> options, NodeIdentity node, IDeliveryStatusStore? status = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _node = node;
        _status = status;
    }

    /// <inheritdoc />
    public Task<RateSchedule> BeatAsync(NodeBeat beat, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(beat);
        return Task.FromResult(new RateSchedule(_options.MaxSendRate, [new ScheduledNode(beat.NodeId, DateTimeOffset.MinValue)]));
    }

    /// <inheritdoc />
    public Task ThrottledAsync(string nodeId, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task LeaveAsync(string nodeId, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public async Task<IReadOnlyList<ClusterNode>> ListNodesAsync(CancellationToken cancellationToken)
    {
        var status = _status is null ? null : await _status.LoadAsync(cancellationToken).ConfigureAwait(false);
        return status is null ? [] : [new ClusterNode("local", _node.Host, _options.MaxSendRate, status.UpdatedAt, true, status)];
    }
}
