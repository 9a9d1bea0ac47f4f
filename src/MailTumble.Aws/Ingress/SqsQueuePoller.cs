using System.Globalization;
using Amazon.SQS;
using Amazon.SQS.Model;
using MailTumble.Aws.Queue;
using MailTumble.Core.Queue;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MailTumble.Aws.Ingress;

/// <summary>
/// Long-polls one SQS queue in batches of 10 and hands each body to an <see cref="IQueueMessageHandler"/>; deletes
/// what was handled, leaves what failed to come back later. Used for SES ingress and for feedback notifications.
/// </summary>
public sealed partial class SqsQueuePoller : BackgroundService
{
    private readonly IAmazonSQS _sqs;
    private readonly IQueueMessageHandler _handler;
    private readonly SqsPollerSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger<SqsQueuePoller> _logger;
    private readonly OutageBackoff _outage;

    /// <summary>Creates the poller.</summary>
    public SqsQueuePoller(IAmazonSQS sqs, IQueueMessageHandler handler, SqsPollerSettings settings, TimeProvider time, ILogger<SqsQueuePoller> logger)
    {
        _sqs = sqs;
        _handler = handler;
        _settings = settings;
        _time = time;
        _logger = logger;
        _outage = new OutageBackoff(TimeSpan.FromSeconds(2));
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var visibility = (int)(_settings.Visibility ?? TimeSpan.FromMinutes(5)).TotalSeconds;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var response = await _sqs.ReceiveMessageAsync(
                    new ReceiveMessageRequest
                    {
                        QueueUrl = _settings.QueueUrl,
                        MaxNumberOfMessages = 10,
                        WaitTimeSeconds = Math.Clamp(_settings.WaitSeconds, 0, 20),
                        VisibilityTimeout = visibility,
                    },
                    stoppingToken).ConfigureAwait(false);
                if (_outage.Succeed())
                {
                    LogPollingAgain(_logger, _settings.Name);
                }

                if (response.Messages is not { Count: > 0 } messages)
                {
                    continue;
                }

                var handled = await Task.WhenAll(messages.Select(m => HandleAsync(m, stoppingToken))).ConfigureAwait(false);
                var done = messages.Where((_, i) => handled[i]).ToList();
                if (done.Count > 0)
                {
                    await _sqs.DeleteMessageBatchAsync(
                        new DeleteMessageBatchRequest
                        {
                            QueueUrl = _settings.QueueUrl,
                            Entries = done.Select((m, i) => new DeleteMessageBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), m.ReceiptHandle)).ToList(),
                        },
                        CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // One line per outage (or change of reason), then waits doubling from 2 s up to a minute.
                var unusable = SqsQueueErrors.IsQueueUnusable(ex);
                var reason = unusable ? SqsQueueErrors.Describe(ex, _settings.Setting ?? _settings.Name, _settings.QueueUrl) : ex.Message;
                if (_outage.Fail(reason, out var delay))
                {
                    if (unusable)
                    {
                        LogQueueUnusable(_logger, _settings.Name, reason, _outage.Max);
                    }
                    else
                    {
                        LogPollFailed(_logger, _settings.Name, _outage.Max, ex);
                    }
                }

                try
                {
                    await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    private async Task<bool> HandleAsync(Message message, CancellationToken cancellationToken)
    {
        try
        {
            await _handler.HandleAsync(message.Body, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogHandlerFailed(_logger, _settings.Name, message.MessageId, ex);
            return false;
        }
    }

    [LoggerMessage(EventId = 3020, Level = LogLevel.Error, Message = "Polling SQS queue {Queue} failed; retrying with waits doubling up to {MaxWait}, nothing more is logged until it works")]
    private static partial void LogPollFailed(ILogger logger, string queue, TimeSpan maxWait, Exception exception);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Error, Message = "Cannot poll SQS queue {Queue}: {Reason}. Retrying with waits doubling up to {MaxWait}; nothing more is logged until it works")]
    private static partial void LogQueueUnusable(ILogger logger, string queue, string reason, TimeSpan maxWait);

    [LoggerMessage(EventId = 3022, Level = LogLevel.Information, Message = "Polling SQS queue {Queue} works again")]
    private static partial void LogPollingAgain(ILogger logger, string queue);

    [LoggerMessage(EventId = 3023, Level = LogLevel.Warning, Message = "Handling message {MessageId} from {Queue} failed; it will be delivered again")]
    private static partial void LogHandlerFailed(ILogger logger, string queue, string messageId, Exception exception);
}
