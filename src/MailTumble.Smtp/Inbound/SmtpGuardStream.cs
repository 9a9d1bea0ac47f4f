using System.Text;

namespace MailTumble.Smtp.Inbound;

/// <summary>
/// Sits between the socket and SmtpServer and enforces what SmtpServer does not:
/// <list type="bullet">
/// <item>bare CR or LF in a command line: 500 and the connection is closed;</item>
/// <item>bare CR or LF inside DATA: flagged, so the message is refused with 550 (SMTP smuggling
/// defence; only <c>CRLF.CRLF</c> ever ends a message, so nothing after a bare <c>LF.LF</c> can
/// become a second message);</item>
/// <item>the size limit while DATA streams in: bytes past the limit are discarded, never buffered,
/// and the message is refused with 552;</item>
/// <item>over-long command lines, command and DATA timeouts (421 4.4.2) and shutdown (idle sessions get 421).</item>
/// </list>
/// It learns that DATA has begun by watching the server's own 354 reply go out.
/// </summary>
internal sealed class SmtpGuardStream : Stream
{
    private static readonly byte[] Terminator = "\r\n.\r\n"u8.ToArray();
    private readonly Stream _inner;
    private readonly SessionGuard _session;
    private readonly SmtpListenerOptions _options;
    private readonly CancellationToken _drain;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly byte[] _scratch = new byte[16 * 1024];
    private byte[] _out = new byte[32 * 1024];
    private int _outStart;
    private int _outEnd;
    private volatile bool _dataMode;
    private bool _closed;
    private bool _prevCr;
    private int _lineLength;
    private int _match;
    private int _virtualMatched;
    private long _dataBytes;
    private long _commandDeadline;

    public SmtpGuardStream(Stream inner, SessionGuard session, SmtpListenerOptions options, CancellationToken drain)
    {
        _inner = inner;
        _session = session;
        _options = options;
        _drain = drain;
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_outEnd == _outStart)
        {
            if (_closed)
            {
                return 0;
            }

            var read = await ReadInnerAsync(cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                _closed = true;
                return 0;
            }

            if (!await ProcessAsync(read, cancellationToken).ConfigureAwait(false))
            {
                return 0;
            }
        }

        var count = Math.Min(buffer.Length, _outEnd - _outStart);
        _out.AsSpan(_outStart, count).CopyTo(buffer.Span);
        _outStart += count;
        if (_outStart == _outEnd)
        {
            _outStart = _outEnd = 0;
        }

        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (StartsDataInput(buffer.Span))
        {
            // Switch before the 354 leaves, so the client's first DATA byte is already seen in DATA mode.
            BeginData();
        }

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override void Flush() => _inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _writeLock.Dispose();
        }

        base.Dispose(disposing);
    }

    private static bool StartsDataInput(ReadOnlySpan<byte> written)
    {
        // SmtpServer may flush several pipelined replies at once; 354 is always the last of them.
        var index = written.IndexOf("354 "u8);
        return index == 0 || (index > 0 && written[index - 1] == '\n');
    }

    private void BeginData()
    {
        _session.StartData();
        _dataMode = true;
        _dataBytes = 0;
        _prevCr = false;

        // The CRLF that ended the DATA command counts toward the terminator, so ".\r\n" alone ends an empty message.
        _match = 2;
        _virtualMatched = 2;
    }

    private async ValueTask<int> ReadInnerAsync(CancellationToken cancellationToken)
    {
        var dataMode = _dataMode;
        if (!dataMode && _drain.IsCancellationRequested && _lineLength == 0)
        {
            await CloseWithAsync("421 4.3.2 Service shutting down, try again later").ConfigureAwait(false);
            return 0;
        }

        // DATA may stall for DataTimeout between two reads; a command line must be complete within CommandTimeout
        // of the first wait for it, however it trickles in.
        if (!dataMode && _lineLength == 0 && !_prevCr)
        {
            _commandDeadline = Environment.TickCount64 + (long)_options.CommandTimeout.TotalMilliseconds;
        }

        var wait = dataMode ? _options.DataTimeout : TimeSpan.FromMilliseconds(Math.Max(0, _commandDeadline - Environment.TickCount64));
        using var timeout = new CancellationTokenSource(wait);
        using var linked = dataMode
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token)
            : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token, _drain);
        try
        {
            return await _inner.ReadAsync(_scratch, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
        {
            await CloseWithAsync(dataMode
                ? "421 4.4.2 Timeout waiting for message data, closing connection"
                : "421 4.4.2 Timeout waiting for a command, closing connection").ConfigureAwait(false);
            return 0;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && _drain.IsCancellationRequested)
        {
            await CloseWithAsync("421 4.3.2 Service shutting down, try again later").ConfigureAwait(false);
            return 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private async ValueTask<bool> ProcessAsync(int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            var b = _scratch[i];
            if (_dataMode)
            {
                ProcessData(b);
                continue;
            }

            string? violation = null;
            if (b == '\n' && !_prevCr)
            {
                violation = "500 5.5.2 Bare <LF> in command line is not allowed, closing connection";
            }
            else if (_prevCr && b != '\n')
            {
                violation = "500 5.5.2 Bare <CR> in command line is not allowed, closing connection";
            }
            else if (b == '\n')
            {
                _lineLength = 0;
            }
            else if (b != '\r' && ++_lineLength > _options.MaxCommandLine)
            {
                violation = "500 5.5.2 Command line too long, closing connection";
            }

            if (violation is not null)
            {
                _outStart = _outEnd = 0;
                await CloseWithAsync(violation, cancellationToken).ConfigureAwait(false);
                return false;
            }

            _prevCr = b == '\r';
            Emit(b);
        }

        return true;
    }

    private void ProcessData(byte b)
    {
        _dataBytes++;
        if ((b == '\n' && !_prevCr) || (_prevCr && b != '\n'))
        {
            _session.BareLineEnding = true;
        }

        _prevCr = b == '\r';
        if (_dataBytes > _options.MaxMessageBytes)
        {
            _session.Oversize = true;
        }

        if (b == Terminator[_match])
        {
            // Hold terminator-looking bytes back until we know whether they end the message.
            _match++;
            if (_match == Terminator.Length)
            {
                Emit(Terminator);
                _dataMode = false;
                _match = 0;
                _virtualMatched = 0;
                _lineLength = 0;
                _prevCr = false;
            }

            return;
        }

        FlushHeldBack();
        if (b == '\r')
        {
            _match = 1;
            return;
        }

        _match = 0;
        if (!_session.Oversize)
        {
            Emit(b);
        }
    }

    private void FlushHeldBack()
    {
        if (!_session.Oversize && _match > _virtualMatched)
        {
            Emit(Terminator.AsSpan(_virtualMatched, _match - _virtualMatched));
        }

        _virtualMatched = 0;
    }

    private void Emit(byte b)
    {
        EnsureRoom(1);
        _out[_outEnd++] = b;
    }

    private void Emit(ReadOnlySpan<byte> bytes)
    {
        EnsureRoom(bytes.Length);
        bytes.CopyTo(_out.AsSpan(_outEnd));
        _outEnd += bytes.Length;
    }

    private void EnsureRoom(int count)
    {
        if (_outEnd + count <= _out.Length)
        {
            return;
        }

        Array.Resize(ref _out, Math.Max(_out.Length * 2, _outEnd + count));
    }

    private async Task CloseWithAsync(string reply, CancellationToken cancellationToken = default)
    {
        _closed = true;
        try
        {
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _inner.WriteAsync(Encoding.ASCII.GetBytes(reply + "\r\n"), timeout.Token).ConfigureAwait(false);
                await _inner.FlushAsync(timeout.Token).ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer is gone; nothing more to tell it.
        }
    }
}
