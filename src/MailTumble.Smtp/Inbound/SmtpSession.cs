using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using MailTumble.Core.Receiving;

namespace MailTumble.Smtp.Inbound;

/// <summary>
/// One SMTP conversation on one connection. The session is the only parser of the byte stream, so the protocol state
/// (command or message content) is always what the session itself has read, whatever the client pipelines. Replies
/// are batched while pipelined commands are waiting and flushed before the session waits for input (RFC 2920).
/// </summary>
/// <remarks>Split by concern: the loop and input here, the commands in <c>SmtpSession.Commands.cs</c>, DATA in <c>SmtpSession.Data.cs</c>.</remarks>
internal sealed partial class SmtpSession : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly SmtpSessionSettings _settings;
    private readonly SmtpListenerOptions _options;
    private readonly CancellationToken _drain;
    private readonly CancellationTokenSource _abort = new();
    private readonly byte[] _line;
    private readonly long _sessionDeadline;
    private readonly CancellationTokenRegistration _drainRegistration;
    private CancellationTokenSource _wait;
    private int _inCommandWait;
    private long _pendingAfterLine;
    private int _errors;
    private bool _closing;

    private static readonly TimeSpan LingerTime = TimeSpan.FromSeconds(2);
    private const long LingerBytes = 64L * 1024 * 1024;

    public SmtpSession(Socket socket, SmtpSessionSettings settings, CancellationToken drain)
    {
        _socket = socket;
        _settings = settings;
        _options = settings.Options;
        _drain = drain;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 32 * 1024, minimumReadSize: 4096, leaveOpen: true));
        _output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));
        _line = new byte[_options.MaxCommandLine];
        _wait = new CancellationTokenSource(Timeout.InfiniteTimeSpan, settings.Time);
        _sessionDeadline = settings.Time.GetTimestamp() + Ticks(_options.SessionTimeout);
        Remote = socket.RemoteEndPoint?.ToString() ?? "unknown";
        _decoder = new DataDecoder(_options.BareLineEnds == BareLineEnds.Normalize);
        _spool = new DataSpool(settings.Raw, settings.Time);
        _drainRegistration = drain.UnsafeRegister(static s => ((SmtpSession)s!).OnDrain(), this);
    }

    /// <summary>The client's address and port, for the log.</summary>
    public string Remote { get; }

    /// <summary>Runs the conversation to its end; never throws.</summary>
    public async Task RunAsync()
    {
        try
        {
            Reply(220, _settings.Greeting);
            while (!_closing)
            {
                var length = await ReadCommandAsync().ConfigureAwait(false);
                if (length < 0)
                {
                    break;
                }

                await HandleAsync(length).ConfigureAwait(false);
            }

            await _output.FlushAsync(_abort.Token).ConfigureAwait(false);
            await LingerAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The client left, or the listener gave up waiting for this session at shutdown.
        }
    }

    /// <summary>
    /// Closing with unread input in the socket makes the kernel send a reset, which can destroy the last reply before
    /// the client reads it (a client still writing an over-long line never learns why). So when input is still
    /// arriving, the sending side is shut first and the rest is read and thrown away, for a bounded time and amount.
    /// </summary>
    private async Task LingerAsync()
    {
        var unread = false;
        if (_input.TryRead(out var buffered))
        {
            unread = !buffered.Buffer.IsEmpty;
            _input.AdvanceTo(buffered.Buffer.End);
            if (buffered.IsCompleted)
            {
                return;
            }
        }

        if (!unread && _socket.Available == 0)
        {
            return;
        }

        _socket.Shutdown(SocketShutdown.Send);
        using var linger = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
        linger.CancelAfter(LingerTime);
        long discarded = 0;
        try
        {
            while (discarded < LingerBytes)
            {
                var result = await _input.ReadAsync(linger.Token).ConfigureAwait(false);
                discarded += result.Buffer.Length;
                _input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The client kept sending: it has had its reply's chance.
        }
    }

    /// <summary>Ends the session at once (shutdown after the drain timeout): the socket is closed under it.</summary>
    public void Abort()
    {
        _abort.Cancel();
        _socket.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _drainRegistration.DisposeAsync().ConfigureAwait(false);
        await _spool.DisposeAsync().ConfigureAwait(false);
        await _input.CompleteAsync().ConfigureAwait(false);
        await _output.CompleteAsync().ConfigureAwait(false);
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }

        await _stream.DisposeAsync().ConfigureAwait(false);
        _wait.Dispose();
        _abort.Dispose();
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);

    private TimeSpan Until(long timestamp) => TimeSpan.FromSeconds(Math.Max(0, timestamp - _settings.Time.GetTimestamp()) / (double)System.Diagnostics.Stopwatch.Frequency);

    /// <summary>
    /// Reads one command line into <see cref="_line"/> and returns its length without the CRLF, or -1 when the session
    /// ends (the client left, a limit was hit and answered, or shutdown). A command line must be complete within
    /// CommandTimeout of the first wait for it, however it trickles in.
    /// </summary>
    private async ValueTask<int> ReadCommandAsync()
    {
        var deadline = Math.Min(_settings.Time.GetTimestamp() + Ticks(_options.CommandTimeout), _sessionDeadline);
        while (true)
        {
            if (!_input.TryRead(out var result))
            {
                await _output.FlushAsync(_abort.Token).ConfigureAwait(false);
                result = await WaitForCommandAsync(deadline).ConfigureAwait(false);
                if (_closing)
                {
                    return -1;
                }
            }

            var buffer = result.Buffer;
            var length = TakeLine(buffer, out var consumed, out var violation);
            if (length >= 0)
            {
                _input.AdvanceTo(consumed);
                _pendingAfterLine = buffer.Length - buffer.Slice(0, consumed).Length;
                return length;
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
            if (violation is not null)
            {
                Close(500, violation);
                return -1;
            }

            if (result.IsCompleted)
            {
                return -1;
            }
        }
    }

    private async ValueTask<ReadResult> WaitForCommandAsync(long deadline)
    {
        // A full fence between saying we wait and looking at the drain flag: OnDrain does the same the other way round.
        Interlocked.Exchange(ref _inCommandWait, 1);
        try
        {
            if (_drain.IsCancellationRequested)
            {
                Close(421, "4.3.2 Service shutting down, try again later");
                return default;
            }

            _wait.CancelAfter(Until(deadline));
            return await _input.ReadAsync(_wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_abort.IsCancellationRequested)
        {
            if (_drain.IsCancellationRequested)
            {
                Close(421, "4.3.2 Service shutting down, try again later");
            }
            else if (deadline >= _sessionDeadline)
            {
                Close(421, "4.4.2 Session time limit reached, closing connection");
            }
            else
            {
                Close(421, "4.4.2 Timeout waiting for a command, closing connection");
            }

            return default;
        }
        finally
        {
            Interlocked.Exchange(ref _inCommandWait, 0);
            ResetWait();
        }
    }

    private void OnDrain()
    {
        if (Interlocked.CompareExchange(ref _inCommandWait, 1, 1) == 1)
        {
            try
            {
                _wait.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The session ended meanwhile.
            }
        }
    }

    private void ResetWait()
    {
        if (!_wait.TryReset())
        {
            _wait.Dispose();
            _wait = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _settings.Time);
        }
    }

    /// <summary>
    /// Finds one CRLF-terminated line at the start of <paramref name="buffer"/>: its length (copied to
    /// <see cref="_line"/>), or -1 when it is not complete yet or breaks the rules (<paramref name="violation"/>).
    /// </summary>
    private int TakeLine(ReadOnlySequence<byte> buffer, out SequencePosition consumed, out string? violation)
    {
        consumed = buffer.Start;
        violation = null;
        var limit = _line.Length;
        var window = buffer.Length > limit + 2 ? buffer.Slice(0, limit + 2) : buffer;
        var lf = window.PositionOf((byte)'\n');
        if (lf is null)
        {
            var cr = window.PositionOf((byte)'\r');
            if (cr is not null && window.Slice(cr.Value).Length > 1)
            {
                violation = "5.5.2 Bare <CR> in command line is not allowed, closing connection";
            }
            else if (window.Length > limit + 1)
            {
                violation = "5.5.2 Command line too long, closing connection";
            }

            return -1;
        }

        var line = window.Slice(0, lf.Value);
        if (line.IsEmpty || line.Slice(line.Length - 1).FirstSpan[0] != '\r')
        {
            violation = "5.5.2 Bare <LF> in command line is not allowed, closing connection";
            return -1;
        }

        line = line.Slice(0, line.Length - 1);
        if (line.PositionOf((byte)'\r') is not null)
        {
            violation = "5.5.2 Bare <CR> in command line is not allowed, closing connection";
            return -1;
        }

        if (line.Length > limit)
        {
            violation = "5.5.2 Command line too long, closing connection";
            return -1;
        }

        line.CopyTo(_line);
        consumed = buffer.GetPosition(1, lf.Value);
        return (int)line.Length;
    }

    /// <summary>Whether the client sent more after the command just read, before its reply (more in our buffer or the socket's).</summary>
    private bool SentAhead() => _pendingAfterLine > 0 || _socket.Available > 0;

    private void Reply(SmtpReply reply) => Reply(reply.Code, reply.Text);

    /// <summary>Queues one reply line; a run of <see cref="SmtpListenerOptions.MaxErrors"/> errors closes the session.</summary>
    private void Reply(int code, string text)
    {
        Write(code, ' ', text);
        if (code < 400)
        {
            _errors = 0;
        }
        else if (++_errors >= _options.MaxErrors && !_closing)
        {
            Close(421, "4.7.0 Too many errors, closing connection");
        }
    }

    /// <summary>Answers and ends the session.</summary>
    private void Close(int code, string text)
    {
        if (!_closing)
        {
            _closing = true;
            Write(code, ' ', text);
        }
    }

    private void Write(int code, char separator, string text)
    {
        var span = _output.GetSpan(text.Length * 3 + 6);
        span[0] = (byte)('0' + (code / 100));
        span[1] = (byte)('0' + (code / 10 % 10));
        span[2] = (byte)('0' + (code % 10));
        span[3] = (byte)separator;
        var written = Encoding.UTF8.GetBytes(text, span[4..]);
        span[4 + written] = (byte)'\r';
        span[5 + written] = (byte)'\n';
        _output.Advance(written + 6);
    }
}
