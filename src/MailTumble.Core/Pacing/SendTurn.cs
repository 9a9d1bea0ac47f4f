namespace MailTumble.Core.Pacing;

/// <summary>
/// One send's claim on the rate budget. <see cref="ApproachAsync"/> waits until shortly before the slot this send
/// will likely get; the sender then opens the transaction (MAIL, RCPT, DATA) and awaits <see cref="EnterAsync"/>
/// right before the content, which reserves the actual slot and waits for it. Reserving at the last moment means a
/// slow exchange delays only its own message instead of bunching it with the next one at the provider; a send that
/// reaches the content after its slot still takes it (a missed slot is made up within the second, not lost).
/// </summary>
public sealed class SendTurn : IDisposable
{
    private readonly SendPacer _pacer;
    private readonly int _ahead;
    private long _approachedAt;
    private int _released; // 1 while this turn's release counts as in flight in the pacer's log
    private int _state; // 0 waiting, 1 entered, 2 given up: the pacer counts each turn out exactly once

    internal SendTurn(SendPacer pacer, int ahead)
    {
        _pacer = pacer;
        _ahead = ahead;
        _approachedAt = pacer.Clock.Time.GetTimestamp();
    }

    /// <summary>Whether the sender reached the content (and took a slot).</summary>
    public bool Entered => Volatile.Read(ref _state) == 1;

    /// <summary>Time spent in <see cref="EnterAsync"/> waiting for the slot, so it can be told apart from the time the send itself took.</summary>
    public TimeSpan SlotWait { get; private set; }

    /// <summary>Time spent in <see cref="ApproachAsync"/>.</summary>
    public TimeSpan ApproachWait { get; private set; }

    /// <summary>Waits until the transaction should begin so that it reaches the content around its slot.</summary>
    public async Task ApproachAsync(CancellationToken cancellationToken)
    {
        var time = _pacer.Clock.Time;
        var start = time.GetTimestamp();
        var begin = _pacer.Bucket.Estimate(_ahead) - _pacer.Lead;
        await _pacer.Clock.WaitUntilAsync(begin, cancellationToken).ConfigureAwait(false);
        ApproachWait = time.GetElapsedTime(start);
        _approachedAt = time.GetTimestamp();
    }

    /// <summary>Reserves the slot and waits for it. A sender awaits this right before the content leaves, once per attempt.</summary>
    public async ValueTask EnterAsync(CancellationToken cancellationToken)
    {
        var time = _pacer.Clock.Time;
        if (Interlocked.CompareExchange(ref _state, 1, 0) == 0)
        {
            _pacer.Entered(time.GetElapsedTime(_approachedAt));
        }

        // A sender entering again (a retry on a fresh connection) is done with its previous attempt.
        Completed();
        var start = time.GetTimestamp();
        // Both waits resume on the pacing clock's own thread, so the content leaves at the slot however busy the
        // thread pool is (the sender writes it without waiting on anything else until the provider's reply).
        var slot = _pacer.Bucket.ReserveSlot();
        await _pacer.Clock.WaitForReleaseAsync(slot, cancellationToken).ConfigureAwait(false);
        while (_pacer.Admit() is { } later)
        {
            await _pacer.Clock.WaitForReleaseAsync(later, cancellationToken).ConfigureAwait(false);
        }

        Volatile.Write(ref _released, 1);

        SlotWait += time.GetElapsedTime(start);
    }

    /// <summary>
    /// The send is over: the provider's reply was read, or the send failed or timed out after its content left. From
    /// now its release counts in the pacer's log for one more window only (until then it counts as in flight, since
    /// the provider may count it at any moment). Idempotent; <see cref="Dispose"/> calls it too.
    /// </summary>
    public void Completed()
    {
        if (Interlocked.Exchange(ref _released, 0) == 1)
        {
            _pacer.Completed();
        }
    }

    /// <summary>
    /// For a send that went out without entering (a sender that does not call <see cref="EnterAsync"/>): takes its
    /// slot afterwards, so the budget still counts it.
    /// </summary>
    public void Settle()
    {
        if (!Entered)
        {
            _ = _pacer.Bucket.ReserveSlot();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Completed();
        if (Interlocked.CompareExchange(ref _state, 2, 0) == 0)
        {
            _pacer.Abandoned();
        }
    }
}
