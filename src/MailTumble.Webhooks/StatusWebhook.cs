using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Threading.Channels;
using MailTumble.Core.Aliases;
using MailTumble.Core.Feedback;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Webhooks;

/// <summary>
/// Tells an API about status changes: <c>PUT {WebhookUrl}/aliases/{address}</c> with the alias document,
/// from a background loop with exponential backoff, so feedback processing never waits for it.
/// </summary>
internal sealed partial class StatusWebhook : IStatusChangeNotifier, IAsyncDisposable
{
    private static readonly TimeSpan DrainOnDispose = TimeSpan.FromSeconds(10);
    private readonly Channel<StatusChange> _channel = Channel.CreateBounded<StatusChange>(new BoundedChannelOptions(10_000) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly FeedbackOptions _options;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger<StatusWebhook> _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public StatusWebhook(IOptions<FeedbackOptions> options, TimeProvider time, ILogger<StatusWebhook> logger, HttpMessageHandler? handler = null)
    {
        _options = options.Value;
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.Timeout = TimeSpan.FromSeconds(10);
        _time = time;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    public void Notify(StatusChange change)
    {
        if (!_channel.Writer.TryWrite(change))
        {
            LogDropped(_logger, change.Alias, change.Status);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        // Give queued calls a moment (a CLI command ends right after processing), then stop retrying.
        await Task.WhenAny(_loop, Task.Delay(DrainOnDispose, _time)).ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        _http.Dispose();
    }

    private async Task RunAsync()
    {
        try
        {
            await foreach (var change in _channel.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                await SendAsync(change, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task SendAsync(StatusChange change, CancellationToken cancellationToken)
    {
        var url = new Uri(_options.WebhookUrl!.ToString().TrimEnd('/') + "/aliases/" + Uri.EscapeDataString(change.Alias));
        var body = new Dictionary<string, object>
        {
            ["alias"] = change.Alias,
            ["email"] = change.Target,
            ["status"] = AliasRules.Format(change.Status),
            ["count_bounce"] = change.CountBounce,
            ["count_complaint"] = change.CountComplaint,
            ["count_delivery"] = change.CountDelivery,
        };
        var delay = _options.WebhookRetry;
        for (var attempt = 1; ; attempt++)
        {
            string problem;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = JsonContent.Create(body) };
                if (!string.IsNullOrEmpty(_options.WebhookToken))
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.WebhookToken);
                }

                using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    LogSent(_logger, change.Alias, change.Status);
                    return;
                }

                problem = $"HTTP {(int)response.StatusCode}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                problem = ex.Message;
            }

            if (attempt >= _options.WebhookAttempts)
            {
                LogGaveUp(_logger, change.Alias, change.Status, attempt, problem);
                return;
            }

            LogRetry(_logger, change.Alias, attempt, problem, delay);
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            delay *= 2;
        }
    }

    [LoggerMessage(EventId = 12000, Level = LogLevel.Information, Message = "Webhook told about alias <{Alias}> now {Status}")]
    private static partial void LogSent(ILogger logger, string alias, AliasStatus status);

    [LoggerMessage(EventId = 12001, Level = LogLevel.Warning, Message = "Webhook for alias <{Alias}> failed (attempt {Attempt}: {Problem}); retrying in {Delay}")]
    private static partial void LogRetry(ILogger logger, string alias, int attempt, string problem, TimeSpan delay);

    [LoggerMessage(EventId = 12002, Level = LogLevel.Error, Message = "Webhook for alias <{Alias}> now {Status} given up after {Attempts} attempts: {Problem}")]
    private static partial void LogGaveUp(ILogger logger, string alias, AliasStatus status, int attempts, string problem);

    [LoggerMessage(EventId = 12003, Level = LogLevel.Error, Message = "Webhook queue full; alias <{Alias}> now {Status} not sent")]
    private static partial void LogDropped(ILogger logger, string alias, AliasStatus status);
}
