using Amazon.S3;
using Amazon.S3.Model;
using MailTumble.Aws.Notifications;
using MailTumble.Core.Receiving;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Aws.Ingress;

/// <summary>
/// SES ingress: one SES <c>Received</c> notification (through SNS and SQS) is translated into the one
/// <see cref="MessageIntake"/>, as an SMTP session is: the raw message is fetched from the receipt rule's S3 object.
/// Idempotent by SES message id. A temporary failure leaves the notification on the queue to come back later.
/// </summary>
internal sealed partial class SesIngressHandler : IQueueMessageHandler
{
    private readonly IAmazonS3 _s3;
    private readonly IngestLedger _ledger;
    private readonly MessageIntake _intake;
    private readonly SesVerdictPolicy _verdicts;
    private readonly ILogger<SesIngressHandler> _logger;

    public SesIngressHandler(IAmazonS3 s3, IngestLedger ledger, MessageIntake intake, IOptions<AwsOptions> options, ILogger<SesIngressHandler> logger)
    {
        _s3 = s3;
        _ledger = ledger;
        _intake = intake;
        _verdicts = options.Value.Verdicts;
        _logger = logger;
    }

    public async Task HandleAsync(string body, CancellationToken cancellationToken)
    {
        SesReceipt? receipt;
        try
        {
            receipt = SesNotificationParser.ParseReceipt(body);
        }
        catch (FormatException ex)
        {
            // Retrying cannot fix it: log and let it be deleted.
            LogUnreadable(_logger, ex.Message);
            return;
        }

        if (receipt is null)
        {
            LogIgnored(_logger);
            return;
        }

        if (await _ledger.SeenAsync(receipt.MessageId, cancellationToken).ConfigureAwait(false))
        {
            LogDuplicate(_logger, receipt.MessageId);
            return;
        }

        var (action, reason) = SesVerdicts.Decide(receipt, _verdicts);
        if (action == VerdictAction.Drop)
        {
            LogDropped(_logger, receipt.MessageId, receipt.Source, reason);
            await _ledger.MarkAsync(receipt.MessageId, "dropped: " + reason, cancellationToken).ConfigureAwait(false);
            return;
        }

        string? holdReason = null;
        if (action == VerdictAction.Hold)
        {
            holdReason = "SES verdict: " + reason;
            LogHeld(_logger, receipt.MessageId, receipt.Source, reason);
        }

        var data = await FetchAsync(receipt, cancellationToken).ConfigureAwait(false);
        var envelope = new IntakeEnvelope(receipt.Source, IntakeOrigin.Ses) {
            Remote = "SES " + receipt.MessageId,
            HoldReason = holdReason,

            // The verdicts decide whether a reply to a reverse alias is the owner's: without them a forged reply would be
            // trusted on its envelope sender and From alone.
            Authentication = SesVerdicts.Authentication(receipt),
        };
        var result = await _intake.ReceiveAsync(envelope, receipt.Recipients, MessageSource.FromMemory(data), cancellationToken).ConfigureAwait(false);
        if (result.Reply.IsTransient)
        {
            // Directory or storage trouble: the whole notification comes back later rather than losing a recipient.
            throw new InvalidOperationException($"SES message {receipt.MessageId}: {result.Reply}");
        }

        if (result.Accepted)
        {
            LogReceived(_logger, receipt.MessageId, result.Reply.ToString(), result.Recipients.Count(r => r.DeliveryId is not null));
            await _ledger.MarkAsync(receipt.MessageId, result.MessageKey is { } key ? "queued as " + key : result.Reply.Text, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // SES already accepted it, so there is nobody to answer 5xx to: record why it goes no further.
            LogRefused(_logger, receipt.MessageId, result.Reply.ToString());
            await _ledger.MarkAsync(receipt.MessageId, "refused: " + result.Reply, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Read into memory once (SES caps messages at 40 MB); the intake then stores it in the raw store.</summary>
    private async Task<byte[]> FetchAsync(SesReceipt receipt, CancellationToken cancellationToken)
    {
        using var response = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = receipt.BucketName, Key = receipt.ObjectKey }, cancellationToken).ConfigureAwait(false);
        var buffer = new MemoryStream(response.ContentLength > 0 ? (int)response.ContentLength : 64 * 1024);
        await response.ResponseStream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "SES message {SesMessageId}: {Reply} ({Count} delivery(ies))")]
    private static partial void LogReceived(ILogger logger, string sesMessageId, string reply, int count);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Information, Message = "SES message {SesMessageId} was already taken in; ignoring the repeat")]
    private static partial void LogDuplicate(ILogger logger, string sesMessageId);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "SES message {SesMessageId} from <{Source}> dropped by verdict policy: {Reason}")]
    private static partial void LogDropped(ILogger logger, string sesMessageId, string source, string reason);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Warning, Message = "SES message {SesMessageId} from <{Source}> goes to the held store: {Reason}")]
    private static partial void LogHeld(ILogger logger, string sesMessageId, string source, string reason);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Warning, Message = "SES message {SesMessageId} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string sesMessageId, string reason);

    [LoggerMessage(EventId = 3015, Level = LogLevel.Warning, Message = "Inbound SQS message is not an SNS/SES notification: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string reason);

    [LoggerMessage(EventId = 3016, Level = LogLevel.Debug, Message = "Inbound SQS message is not an SES Received notification; ignoring it")]
    private static partial void LogIgnored(ILogger logger);
}
