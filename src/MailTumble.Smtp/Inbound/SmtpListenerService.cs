using System.Net;
using MailTumble.Core.Receiving;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpServer;
using SmtpServer.ComponentModel;

namespace MailTumble.Smtp.Inbound;

/// <summary>
/// Runs the SMTP listener (SmtpServer behind our guarded endpoint). On stop: new connections and idle
/// sessions get 421, sessions in the middle of DATA may finish within the drain timeout.
/// </summary>
public sealed partial class SmtpListenerService : BackgroundService
{
    private readonly SmtpListenerOptions _options;
    private readonly MessageIntake _intake;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<SmtpListenerService> _logger;
    private readonly ListenerState _state = new();

    /// <summary>Creates the service: a translator from SMTP to the <paramref name="intake"/>.</summary>
    public SmtpListenerService(IOptions<SmtpListenerOptions> options, MessageIntake intake, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _intake = intake;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<SmtpListenerService>();
    }

    /// <summary>Completes with the address actually bound (useful with port 0).</summary>
    public Task<IPEndPoint> BoundEndPoint => _state.Bound;

    /// <summary>Parses <c>host:port</c>, <c>[v6]:port</c> or a bare port.</summary>
    public static IPEndPoint ParseEndPoint(string text)
    {
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
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        var endpoint = ParseEndPoint(_options.Listen);
        var serverName = string.IsNullOrWhiteSpace(_options.ServerName) ? Dns.GetHostName() : _options.ServerName!;
        var serverOptions = new SmtpServerOptionsBuilder()
            .ServerName(serverName)
            .Endpoint(b => b.Endpoint(endpoint).SessionTimeout(_options.SessionTimeout))
            .MaxMessageSize(_options.MaxMessageBytes, MaxMessageSizeHandling.Ignore)
            .MaxRetryCount(_options.MaxErrors)
            // Only a backstop: the guard stream times commands out first with a proper 421 (SmtpServer's own answer is a 221).
            .CommandWaitTimeout(_options.CommandTimeout + TimeSpan.FromMinutes(1))
            .CustomSmtpGreeting(_ => $"220 {serverName} ESMTP MailTumble")
            .Build();

        var services = new ServiceProvider();
        services.Add(new GuardedEndpointListenerFactory(_state, _options));
        services.Add(new RelayMailboxFilter(_intake, _options));
        services.Add(new RelayMessageStore(_intake, _options, _loggerFactory.CreateLogger<RelayMessageStore>()));
        var server = new SmtpServer.SmtpServer(serverOptions, services);
        server.SessionFaulted += (_, e) => LogSessionFaulted(_logger, e.Exception);

        var running = server.StartAsync(CancellationToken.None);
        try
        {
            await Task.WhenAny(running, _state.Bound).ConfigureAwait(false);
            if (running.IsFaulted || _state.Bound.IsFaulted)
            {
                await _state.Bound.ConfigureAwait(false);
            }

            await Task.WhenAny(running, Task.Delay(Timeout.Infinite, stoppingToken)).ConfigureAwait(false);
        }
        finally
        {
            await DrainAsync(server, running).ConfigureAwait(false);
        }
    }

    private async Task DrainAsync(SmtpServer.SmtpServer server, Task running)
    {
        _state.BeginDrain();
        LogDraining(_logger, _state.Active);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (_state.Active > 0 && waited.Elapsed < _options.DrainTimeout)
        {
            await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
        }

        server.Shutdown();
        await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "SMTP session ended with an error")]
    private static partial void LogSessionFaulted(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "SMTP listener stopping; waiting for {Active} session(s) to finish")]
    private static partial void LogDraining(ILogger logger, int active);
}
