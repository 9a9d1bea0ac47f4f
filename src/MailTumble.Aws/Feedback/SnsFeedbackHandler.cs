using System.Text.Json;
using MailTumble.Aws.Notifications;
using MailTumble.Core.Feedback;
using MailTumble.Core.Feedback.Sns;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Aws.Feedback;

/// <summary>
/// The SNS HTTPS subscription (<see cref="ISnsSubscription"/>): only allowlisted topics, only genuinely signed messages;
/// confirms subscriptions for allowed topics and hands notifications to the <see cref="FeedbackProcessor"/>.
/// </summary>
internal sealed partial class SnsFeedbackHandler : ISnsSubscription
{
    private readonly SnsVerifier _verifier;
    private readonly ISnsHttp _http;
    private readonly SesFeedbackReader _reader;
    private readonly FeedbackProcessor _processor;
    private readonly HashSet<string> _topics;
    private readonly ILogger<SnsFeedbackHandler> _logger;

    public SnsFeedbackHandler(SnsVerifier verifier, ISnsHttp http, SesFeedbackReader reader, FeedbackProcessor processor, IOptions<FeedbackOptions> options, ILogger<SnsFeedbackHandler> logger)
    {
        _verifier = verifier;
        _http = http;
        _reader = reader;
        _processor = processor;
        _topics = new HashSet<string>(options.Value.SnsTopicArns.Select(t => t.Trim()), StringComparer.Ordinal);
        _logger = logger;
    }

    /// <inheritdoc />
    public async Task<SnsResult> HandleAsync(string body, CancellationToken cancellationToken)
    {
        SnsMessage message;
        try
        {
            using var document = JsonDocument.Parse(body);
            message = SnsMessage.Parse(document.RootElement);
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            return new SnsResult(SnsOutcome.Malformed, ex.Message);
        }

        if (!_topics.Contains(message.TopicArn))
        {
            return Refuse(message, "topic not on MailTumble:Feedback:SnsTopicArns");
        }

        string? problem;
        try
        {
            problem = await _verifier.VerifyAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (SnsUnavailableException ex)
        {
            LogUnavailable(_logger, message.Type, message.MessageId, ex.Message);
            return new SnsResult(SnsOutcome.Unavailable, ex.Message);
        }

        if (problem is not null)
        {
            return Refuse(message, problem);
        }

        switch (message.Type)
        {
            case "Notification":
                var feedback = await _processor.ProcessAsync(_reader.ReadNotification(message.Message, message.MessageId), FeedbackOrigin.Ses, cancellationToken).ConfigureAwait(false);
                return new SnsResult(SnsOutcome.Accepted, Feedback: feedback);
            case "SubscriptionConfirmation":
                if (!SnsVerifier.IsSnsUrl(message.SubscribeUrl, pem: false))
                {
                    return Refuse(message, "SubscribeURL is not an https URL on an sns.<region>.amazonaws.com host");
                }

                try
                {
                    await _http.ConfirmSubscriptionAsync(new Uri(message.SubscribeUrl!), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    // SNS repeats the confirmation request; answering 503 asks for exactly that.
                    LogUnavailable(_logger, message.Type, message.MessageId, "the subscription could not be confirmed: " + ex.Message);
                    return new SnsResult(SnsOutcome.Unavailable, "the subscription could not be confirmed: " + ex.Message);
                }

                LogConfirmed(_logger, message.TopicArn);
                return new SnsResult(SnsOutcome.Accepted);
            case "UnsubscribeConfirmation":
                LogUnsubscribed(_logger, message.TopicArn);
                return new SnsResult(SnsOutcome.Accepted);
            default:
                return new SnsResult(SnsOutcome.Malformed, $"unknown SNS message type '{message.Type}'");
        }
    }

    /// <inheritdoc />
    public async Task<string?> CheckSavedAsync(SavedReport report, CancellationToken cancellationToken)
    {
        // An envelope in a saved email (email-json subscription) is checked as one in a file: SavedReport unwrapped it.
        ArgumentNullException.ThrowIfNull(report);
        var text = report.Content.Span.TrimStart("\xEF\xBB\xBF \t\r\n"u8);
        if (text.Length == 0 || text[0] != (byte)'{')
        {
            return null;
        }

        SnsMessage message;
        try
        {
            using var document = JsonDocument.Parse(text.ToArray());
            if (!SnsMessage.IsEnvelope(document.RootElement))
            {
                return null;
            }

            message = SnsMessage.Parse(document.RootElement);
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            // Not SNS's to judge: the processor says what is wrong with the document.
            return null;
        }

        var origin = $"SNS message {message.MessageId} from {message.TopicArn}";
        if (!_topics.Contains(message.TopicArn))
        {
            return $"{origin}: the topic is not on MailTumble:Feedback:SnsTopicArns";
        }

        try
        {
            return await _verifier.VerifyAsync(message, cancellationToken).ConfigureAwait(false) is { } problem ? $"{origin}: {problem}" : null;
        }
        catch (SnsUnavailableException ex)
        {
            throw new SnsUnavailableException($"cannot check the signature of SNS message {message.MessageId}: {ex.Message}", ex);
        }
    }

    private SnsResult Refuse(SnsMessage message, string reason)
    {
        LogRefused(_logger, message.Type, message.MessageId, message.TopicArn, reason);
        return new SnsResult(SnsOutcome.Forbidden, reason);
    }

    [LoggerMessage(EventId = 3120, Level = LogLevel.Warning, Message = "Refused SNS {Type} {MessageId} from {TopicArn}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string type, string messageId, string topicArn, string reason);

    [LoggerMessage(EventId = 3121, Level = LogLevel.Warning, Message = "Could not verify SNS {Type} {MessageId} now; answered 503 so SNS retries: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string type, string messageId, string reason);

    [LoggerMessage(EventId = 3122, Level = LogLevel.Information, Message = "Confirmed the SNS subscription to {TopicArn}")]
    private static partial void LogConfirmed(ILogger logger, string topicArn);

    [LoggerMessage(EventId = 3123, Level = LogLevel.Information, Message = "SNS unsubscribed us from {TopicArn}")]
    private static partial void LogUnsubscribed(ILogger logger, string topicArn);
}
