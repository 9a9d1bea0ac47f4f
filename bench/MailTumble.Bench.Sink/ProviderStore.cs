using System.Buffers;
using System.Globalization;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace MailTumble.Bench.Sink;

/// <summary>
/// Behaves like a provider with a send-rate limit: at most <c>Limit</c> messages in any one-second
/// window, "454 Throttling failure" above it (as SES answers). Logs "A ms id tag" per accepted message (the relay's
/// delivery id from its Received header and the X-Bench-Tag header, "-" when absent) and "T ms" per throttled attempt,
/// so the benchmark can check pacing to the millisecond and follow single messages.
/// </summary>
internal sealed class ProviderStore(SinkOptions options, StreamWriter log, Action onAccepted) : MessageStore
{
    private static readonly SmtpResponse Throttled = new((SmtpReplyCode)454, "Throttling failure: Maximum sending rate exceeded.");
    private readonly Queue<long> _window = new();
    private readonly Lock _gate = new();

    /// <summary>Logs "X ms reason" for a failed session or save.</summary>
    public void Fault(Exception exception) =>
        Note($"X {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)} {exception.GetType().Name}: {exception.Message.ReplaceLineEndings(" ")}");

    /// <summary>Writes one line to the log (one writer for every thread).</summary>
    public void Note(string line)
    {
        lock (_gate)
        {
            log.WriteLine(line);
        }
    }

    public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return Save(buffer);
        }
        catch (Exception ex)
        {
            // SmtpServer answers a bare 554 to whatever is thrown here: say what it was.
            Fault(ex);
            throw;
        }
    }

    private Task<SmtpResponse> Save(ReadOnlySequence<byte> buffer)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        lock (_gate)
        {
            while (_window.Count > 0 && now - _window.Peek() >= 1000)
            {
                _window.Dequeue();
            }

            if (options.Limit > 0 && _window.Count >= options.Limit)
            {
                log.WriteLine("T " + now.ToString(CultureInfo.InvariantCulture));
                return Task.FromResult(Throttled);
            }

            _window.Enqueue(now);
            var head = Head(buffer);
            log.WriteLine($"A {now.ToString(CultureInfo.InvariantCulture)} {Find(head, "(MailTumble) id ")} {Find(head, "\nX-Bench-Tag: ")}");
        }

        onAccepted();
        return Task.FromResult(SmtpResponse.Ok);
    }

    private static string Head(ReadOnlySequence<byte> buffer)
    {
        var head = buffer.Slice(0, Math.Min(buffer.Length, 16384)).ToArray();
        var text = System.Text.Encoding.Latin1.GetString(head);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return end < 0 ? text : text[..end];
    }

    private static string Find(string head, string marker)
    {
        var at = head.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return "-";
        }

        var start = at + marker.Length;
        var stop = head.IndexOfAny([' ', '\r', '\n', ';'], start);
        return stop < 0 ? head[start..] : head[start..stop];
    }
}
