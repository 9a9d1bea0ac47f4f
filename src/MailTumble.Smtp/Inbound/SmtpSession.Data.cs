using System.IO.Pipelines;
using MailTumble.Core.Receiving;
using Microsoft.Extensions.Logging;

namespace MailTumble.Smtp.Inbound;

/// <summary>DATA: the content is decoded as it arrives, checked, and handed to the intake at its end.</summary>
internal sealed partial class SmtpSession
{
    private readonly DataDecoder _decoder;
    private readonly DataSpool _spool;

    private async ValueTask DataAsync()
    {
        Reply(354, "End data with <CR><LF>.<CR><LF>");
        await _output.FlushAsync(_abort.Token).ConfigureAwait(false);
        try
        {
            if (!await ReadDataAsync().ConfigureAwait(false))
            {
                ResetTransaction();
                return;
            }

            var reply = await EndDataAsync().ConfigureAwait(false);
            ResetTransaction();
            Reply(reply);
        }
        finally
        {
            // Streamed bytes the intake did not keep are removed with the writer; kept ones are committed already.
            await _spool.ResetAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask<SmtpReply> EndDataAsync()
    {
        SmtpReply reply;
        if (_decoder.Oversize)
        {
            LogRefused(_settings.Logger, Remote, _from!, "message too big");
            reply = new SmtpReply(552, $"5.3.4 Message size exceeds the limit of {_options.MaxMessageBytes} bytes");
        }
        else if (_decoder.BareCr || (_decoder.BareLf && _options.BareLineEnds == BareLineEnds.Reject))
        {
            LogRefused(_settings.Logger, Remote, _from!, "bare CR or LF in message");
            reply = new SmtpReply(550, _options.BareLineEnds == BareLineEnds.Reject
                ? "5.6.11 Message contains a bare <CR> or <LF>; lines must end with <CR><LF>"
                : "5.6.11 Message contains a bare <CR>; lines must end with <CR><LF>");
        }
        else if (await _spool.CompleteAsync(_abort.Token).ConfigureAwait(false) is { } source)
        {
            var envelope = new IntakeEnvelope(_from!, IntakeOrigin.Smtp) { Remote = Remote };
            var result = await _settings.Intake.AcceptAsync(envelope, _recipients, source, _abort.Token).ConfigureAwait(false);
            reply = result.Reply;
        }
        else
        {
            LogSpoolFailed(_settings.Logger, Remote, _from!, _spool.Failure!.Message);
            reply = new SmtpReply(451, "4.3.0 Temporary storage failure, try again later");
        }

        return reply;
    }

    /// <summary>
    /// Reads the content up to and including its end. False when the session ends first (the client left, or was too
    /// slow and has been answered 421): DATA may stall for DataTimeout between two reads, and as a whole may take
    /// DataTimeout plus one second per MinDataRate bytes.
    /// </summary>
    private async ValueTask<bool> ReadDataAsync()
    {
        _decoder.Reset(_options.MaxMessageBytes);
        var stall = Ticks(_options.DataTimeout);
        var start = _settings.Time.GetTimestamp();
        long received = 0;
        while (true)
        {
            if (!_input.TryRead(out var result))
            {
                var now = _settings.Time.GetTimestamp();
                var slowest = _options.MinDataRate > 0 ? start + stall + (long)(received * (double)System.Diagnostics.Stopwatch.Frequency / _options.MinDataRate) : long.MaxValue;
                var rateBound = slowest < now + stall;
                _wait.CancelAfter(Until(Math.Min(now + stall, slowest)));
                try
                {
                    result = await _input.ReadAsync(_wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!_abort.IsCancellationRequested)
                {
                    Close(421, rateBound
                        ? $"4.7.0 Message data arriving too slowly (less than {_options.MinDataRate} bytes per second), closing connection"
                        : "4.4.2 Timeout waiting for message data, closing connection");
                    return false;
                }
                finally
                {
                    ResetWait();
                }
            }

            var buffer = result.Buffer;
            var consumed = buffer.End;
            var position = buffer.Start;
            var segmentStart = position;
            while (buffer.TryGet(ref position, out var memory))
            {
                var used = _decoder.Decode(memory.Span, _spool);
                if (_decoder.Completed)
                {
                    consumed = buffer.GetPosition(used, segmentStart);
                    break;
                }

                segmentStart = position;
            }

            received += buffer.Slice(0, consumed).Length;
            _input.AdvanceTo(consumed);
            if (_decoder.Completed)
            {
                return true;
            }

            if (result.IsCompleted)
            {
                return false;
            }

            if (!_decoder.Oversize)
            {
                await _spool.SpillIfDueAsync(_abort.Token).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "Refused message from {Remote} <{From}>: {Reason}")]
    private static partial void LogRefused(ILogger logger, string remote, string from, string reason);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Error, Message = "Could not stream the message from {Remote} <{From}> into the raw store ({Reason}); answered 451")]
    private static partial void LogSpoolFailed(ILogger logger, string remote, string from, string reason);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "SMTP client {Remote} sent more before the reply to {Command} (pipelining not allowed there); answered 554 5.5.0 and closed")]
    private static partial void LogOutOfStep(ILogger logger, string remote, string command);
}
