using System.Net;

namespace MailTumble.Smtp.Inbound;

/// <summary>Connection count, the bound endpoint and the drain switch of one listener.</summary>
internal sealed class ListenerState
{
    private readonly CancellationTokenSource _drain = new();
    private readonly TaskCompletionSource<IPEndPoint> _bound = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _active;

    public int Active => Volatile.Read(ref _active);

    public bool Draining => _drain.IsCancellationRequested;

    public CancellationToken DrainToken => _drain.Token;

    public Task<IPEndPoint> Bound => _bound.Task;

    public void SetBound(IPEndPoint endpoint) => _bound.TrySetResult(endpoint);

    public void FailBound(Exception exception) => _bound.TrySetException(exception);

    public void Enter() => Interlocked.Increment(ref _active);

    public void Leave() => Interlocked.Decrement(ref _active);

    public void BeginDrain() => _drain.Cancel();
}
