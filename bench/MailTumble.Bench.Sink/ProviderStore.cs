using System.Buffers;
using System.Globalization;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace MailTumble.Bench.Sink;

/// <summary>
/// Behaves like a provider with a send-rate limit: at most <c>Limit</c> messages in any one-second
/// window, "454 Throttling failure" above it (as SES answers). Logs "A ms" per accepted message and
/// "T ms" per throttled attempt, so the benchmark can check pacing to the millisecond.
/// </summary>
internal sealed class ProviderStore(SinkOptions options, StreamWriter log, Action onAccepted) : MessageStore
{
    private static readonly SmtpResponse Throttled = new((SmtpReplyCode)454, "Throttling failure: Maximum sending rate exceeded.");
    private readonly Queue<long> _window = new();
    private readonly Lock _gate = new();

    public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
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
            log.WriteLine("A " + now.ToString(CultureInfo.InvariantCulture));
        }

        onAccepted();
        return Task.FromResult(SmtpResponse.Ok);
    }
}
