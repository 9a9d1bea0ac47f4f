using System.Buffers;
using MailTumble.Core.Receiving;
using MailTumble.Core.Storage;

namespace MailTumble.Smtp.Inbound;

/// <summary>
/// Where the decoded content of one DATA goes. A small message stays in memory and is stored by the intake as today;
/// once more than <see cref="SpillBytes"/> are waiting, the message is streamed into the raw store as it arrives and
/// only its head (what <see cref="MessageSource.Head"/> needs to parse the header section) stays in memory. So memory
/// per session is bounded whatever the message size: the head, plus at most a spill's worth of pending bytes.
/// </summary>
internal sealed class DataSpool : IBufferWriter<byte>, IAsyncDisposable
{
    /// <summary>Bytes held before the message starts to stream into the store.</summary>
    public const int SpillBytes = 256 * 1024;

    private static readonly long HeadBytes = MessageSource.HeadLength(long.MaxValue);
    private readonly IRawStore _store;
    private readonly TimeProvider _time;
    private readonly MessageBuffer _head = new();
    private readonly MessageBuffer _pending = new();
    private IRawWriter? _writer;
    private long _headWritten;
    private byte[]? _scratch;

    public DataSpool(IRawStore store, TimeProvider time)
    {
        _store = store;
        _time = time;
    }

    /// <summary>Content bytes taken in so far.</summary>
    public long Length => _head.Length + _pending.Length + (_writer is null ? 0 : _writer.Length - _headWritten);

    /// <summary>Why streaming into the store failed (the rest of the content is read and dropped), or null.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Bytes waiting in memory to be written to the store (the head counts until it is written).</summary>
    private long Waiting => _head.Length - _headWritten + _pending.Length;

    public void Advance(int count)
    {
        if (Failure is not null)
        {
            return;
        }

        if (_head.Length < HeadBytes)
        {
            _head.Advance(count);
        }
        else
        {
            _pending.Advance(count);
        }
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => throw new NotSupportedException("the decoder writes spans");

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        if (Failure is not null)
        {
            _scratch ??= new byte[Math.Max(sizeHint, 4096)];
            return _scratch.Length >= sizeHint ? _scratch : (_scratch = new byte[sizeHint]);
        }

        if (_head.Length < HeadBytes)
        {
            // The head stops at exactly HeadBytes; what follows goes to the pending bytes.
            var span = _head.GetSpan(sizeHint);
            return span[..(int)Math.Min(span.Length, HeadBytes - _head.Length)];
        }

        return _pending.GetSpan(sizeHint);
    }

    /// <summary>Streams what is waiting into the store once there is enough of it (after each chunk of input).</summary>
    public ValueTask SpillIfDueAsync(CancellationToken cancellationToken) =>
        Failure is null && Waiting >= SpillBytes ? TrySpillAsync(cancellationToken) : ValueTask.CompletedTask;

    /// <summary>
    /// Ends the content: a message that was streamed gets its last bytes written and is handed over as a source that
    /// is already in the store (the intake owns it from then on); a small one is handed over from memory.
    /// </summary>
    /// <returns>The source, or null when streaming failed (see <see cref="Failure"/>).</returns>
    public async ValueTask<MessageSource?> CompleteAsync(CancellationToken cancellationToken)
    {
        if (Failure is null && _writer is null)
        {
            return MessageSource.FromMemory(_head.Content);
        }

        if (Failure is null)
        {
            await TrySpillAsync(cancellationToken).ConfigureAwait(false);
        }

        return Failure is null ? new SpooledMessageSource(_writer!, _head.Content) : null;
    }

    /// <summary>Forgets the message: what was streamed and not committed is removed, the buffers go back to the pool.</summary>
    public async ValueTask ResetAsync()
    {
        Failure = null;
        _headWritten = 0;
        _head.Reset();
        _pending.Reset();
        await DropWriterAsync().ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => ResetAsync();

    private async ValueTask TrySpillAsync(CancellationToken cancellationToken)
    {
        try
        {
            await SpillAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A full disk or a store outage: the client is told at the end of DATA (451); until then its bytes are dropped.
            Failure = ex;
            _head.Reset();
            _pending.Reset();
            await DropWriterAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask DropWriterAsync()
    {
        var writer = _writer;
        _writer = null;
        if (writer is null)
        {
            return;
        }

        try
        {
            await writer.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The unfinished file could not be removed: it is left behind, nothing refers to it.
        }
    }

    private async ValueTask SpillAsync(CancellationToken cancellationToken)
    {
        _writer ??= await _store.CreateAsync(Guid.CreateVersion7(_time.GetUtcNow()).ToString("N"), cancellationToken).ConfigureAwait(false);
        foreach (var segment in _head.Content.Slice(_headWritten))
        {
            await _writer.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
        }

        _headWritten = _head.Length;
        foreach (var segment in _pending.Content)
        {
            await _writer.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
        }

        _pending.Reset();
    }
}
