using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MailTumble.Core.Receiving;
using MailTumble.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Smtp.Inbound;

/// <summary>
/// The SMTP listener: accepts connections and runs one <see cref="SmtpSession"/> for each, within the connection
/// limits (in all and per client address; more get 421 4.7.0). On stop: new connections and idle sessions get
/// 421 4.3.2, sessions in the middle of a message may finish within the drain timeout.
/// </summary>
public sealed partial class SmtpListenerService : BackgroundService
{
    private readonly SmtpListenerOptions _options;
    private readonly ILogger<SmtpListenerService> _logger;
    private readonly SmtpSessionSettings _settings;
    private readonly ConnectionCounter _counter;
    private readonly CancellationTokenSource _drain = new();
    private readonly ConcurrentDictionary<SmtpSession, byte> _sessions = new();
    private readonly TaskCompletionSource<IPEndPoint> _bound = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates the service; every session translates its conversation into <paramref name="intake"/>, streaming large messages into <paramref name="raw"/>.</summary>
    public SmtpListenerService(IOptions<SmtpListenerOptions> options, MessageIntake intake, IRawStore raw, ILoggerFactory loggerFactory, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options.Value;
        _logger = loggerFactory.CreateLogger<SmtpListenerService>();
        var serverName = string.IsNullOrWhiteSpace(_options.ServerName) ? Dns.GetHostName() : _options.ServerName!;
        _settings = new SmtpSessionSettings(_options, intake, raw, serverName, time, loggerFactory.CreateLogger<SmtpSession>());
        _counter = new ConnectionCounter(_options.MaxConnections, _options.MaxConnectionsPerIp);
    }

    /// <summary>Completes with the address actually bound (useful with port 0).</summary>
    public Task<IPEndPoint> BoundEndPoint => _bound.Task;

    /// <summary>Parses <c>host:port</c>, <c>[v6]:port</c> or a bare port.</summary>
    public static IPEndPoint ParseEndPoint(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (int.TryParse(text, out var port))
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }

        var hasPort = text.StartsWith('[') ? text.Contains("]:", StringComparison.Ordinal) : text.Count(c => c == ':') == 1;
        return hasPort && IPEndPoint.TryParse(text, out var endpoint)
            ? endpoint
            : throw new FormatException($"'{text}' is not an address:port (e.g. 127.0.0.1:2525 or [::]:25)");
    }

    /// <summary>Parses an endpoint setting or throws a validation error naming the setting.</summary>
    public static IPEndPoint ParseEndPointOrThrow(string text, string setting)
    {
        try
        {
            return ParseEndPoint(text);
        }
        catch (FormatException ex)
        {
            throw new OptionsValidationException(setting, typeof(SmtpListenerOptions), [$"{setting}: {ex.Message}"]);
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _drain.Dispose();
        base.Dispose();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        var endpoint = ParseEndPoint(_options.Listen);
        using var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(endpoint);
            listener.Listen(512);
            _bound.TrySetResult((IPEndPoint)listener.LocalEndPoint!);
        }
        catch (Exception ex)
        {
            _bound.TrySetException(ex);
            throw;
        }

        using var stop = new CancellationTokenSource();
        var accepting = AcceptAsync(listener, stop.Token);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping: drain below.
        }

        await DrainAsync().ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await accepting.ConfigureAwait(false);
    }

    private async Task AcceptAsync(Socket listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException ex)
            {
                LogAcceptFailed(_logger, ex.SocketErrorCode.ToString());
                continue;
            }

            socket.NoDelay = true;
            if (_drain.IsCancellationRequested)
            {
                _ = RefuseAsync(socket, "421 4.3.2 Service shutting down, try again later");
                continue;
            }

            var address = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
            if (_counter.TryEnter(address) is { } refusal)
            {
                LogRefusedConnection(_logger, address.ToString(), refusal);
                _ = RefuseAsync(socket, "421 " + refusal);
                continue;
            }

            var session = new SmtpSession(socket, _settings, _drain.Token);
            _sessions[session] = 0;
            _ = Task.Run(() => RunAsync(session, address), CancellationToken.None);
        }
    }

    private async Task RunAsync(SmtpSession session, IPAddress address)
    {
        try
        {
            await session.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            try
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
                LogSessionEnded(_logger, session.Remote, ex.Message);
            }

            _sessions.TryRemove(session, out _);
            _counter.Leave(address);
        }
    }

    private async Task DrainAsync()
    {
        await _drain.CancelAsync().ConfigureAwait(false);
        LogDraining(_logger, _counter.Active);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!_sessions.IsEmpty && waited.Elapsed < _options.DrainTimeout)
        {
            await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
        }

        foreach (var session in _sessions.Keys)
        {
            session.Abort();
        }
    }

    private static async Task RefuseAsync(Socket socket, string reply)
    {
        using (socket)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await socket.SendAsync(Encoding.ASCII.GetBytes(reply + "\r\n"), SocketFlags.None, timeout.Token).ConfigureAwait(false);
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client left first.
            }
        }
    }

    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "SMTP listener stopping; waiting for {Active} session(s) to finish")]
    private static partial void LogDraining(ILogger logger, int active);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Refused SMTP connection from {Address}: {Reason}")]
    private static partial void LogRefusedConnection(ILogger logger, string address, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Could not accept an SMTP connection: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "SMTP session with {Remote} ended: {Reason}")]
    private static partial void LogSessionEnded(ILogger logger, string remote, string reason);
}
