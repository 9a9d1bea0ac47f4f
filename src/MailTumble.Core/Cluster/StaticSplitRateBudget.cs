using MailTumble.Core.Delivery;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Cluster;

/// <summary>
/// A fixed share without coordination: <c>MAXIMUM_SEND_RATE / MailTumble:Outbound:Workers</c> per node. The AWS family
/// uses it until its nodes share a budget through the backend; the operator sets <c>Workers</c> to the number of nodes.
/// </summary>
public sealed class StaticSplitRateBudget : IRateBudget
{
    private readonly DeliveryOptions _options;
    private readonly IDeliveryStatusStore? _status;
    private readonly NodeIdentity _node;

    /// <summary>Creates the budget.</summary>
    public StaticSplitRateBudget(IOptions<DeliveryOptions> options, NodeIdentity node, IDeliveryStatusStore? status = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _node = node;
        _status = status;
    }

    private double Share => _options.MaxSendRate / _options.Workers;

    /// <inheritdoc />
    public Task<double> BeatAsync(NodeBeat beat, CancellationToken cancellationToken) => Task.FromResult(Share);

    /// <inheritdoc />
    public Task ThrottledAsync(string nodeId, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task LeaveAsync(string nodeId, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public async Task<IReadOnlyList<ClusterNode>> ListNodesAsync(CancellationToken cancellationToken)
    {
        var status = _status is null ? null : await _status.LoadAsync(cancellationToken).ConfigureAwait(false);
        return status is null ? [] : [new ClusterNode("local", _node.Host, Share, status.UpdatedAt, true, status)];
    }
}
