using System.Buffers;
using Amazon.S3;
using Amazon.S3.Model;
using MailTumble.Core.Directory;
using MailTumble.Core.Receiving;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Aws.Ingress;

/// <summary>
/// SES ingress: one SES <c>Received</c> notification (through SNS and SQS) becomes the same receive as an SMTP
/// session: recipients checked by <see cref="RecipientPolicy"/>, the raw message fetched from the receipt rule's
/// S3 object and handed to <see cref="MessageReceiver"/>. Idempotent by SES message id.
/// </summary>
internal sealed partial class SesIngressHandler : IQueueMessageHandler
{
    private readonly IAmazonS3 _s3;
    private readonly IngestLedger _ledger;
    private readonly RecipientPolicy _policy;
    private readonly MessageReceiver _receiver;
    private readonly SesVerdictPolicy _verdicts;
    private readonly ILogger<SesIngressHandler> _logger;

    public SesIngressHandler(IAmazonS3 s3, IngestLedger ledger, RecipientPolicy policy, MessageReceiver receiver, IOptions<AwsOptions> options, ILogger<SesIngressHandler> logger)
    {
        _s3 = s3;
        _ledger = ledger;
        _policy = policy;
        _receiver = receiver;
        _verdicts = options.Value.Verdicts;
        _logger = logger;
    }

    public async Task HandleAsync(string body, CancellationToken cancellationToken)
    {
        SesReceipt? receipt;
        try
        {
            receipt = SesNotificationParser.Parse(body);
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

        var aliases = new List<AliasRecord>();
        foreach (var recipient in receipt.Recipients)
        {
            var decision = await _policy.CheckAsync(recipient, cancellationToken).ConfigureAwait(false);
            if (decision.Accepted)
            {
                aliases.Add(decision.Alias!);
            }
            else if (decision.Reply.Code / 100 == 4)
            {
                // Directory trouble: the whole notification comes back later rather than losing this recipient.
                throw new InvalidOperationException($"recipient {recipient} of SES message {receipt.MessageId}: {decision.Reply}");
            }
            else
            {
                LogRecipientRefused(_logger, receipt.MessageId, recipient, decision.Reply.ToString());
            }
        }

        if (aliases.Count == 0)
        {
            await _ledger.MarkAsync(receipt.MessageId, "no deliverable recipient", cancellationToken).ConfigureAwait(false);
            return;
        }

        var data = await FetchAsync(receipt, cancellationToken).ConfigureAwait(false);
        try
        {
            var key = await _receiver.ReceiveAsync(receipt.Source, aliases, new ReadOnlySequence<byte>(data), holdReason, cancellationToken).ConfigureAwait(false);
            LogReceived(_logger, receipt.MessageId, key, aliases.Count);
            await _ledger.MarkAsync(receipt.MessageId, "queued as " + key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MessageRefusedException or MessageBlockedException)
        {
            // SES already accepted it, so there is nobody to answer 5xx to: record why it goes no further.
            LogRefused(_logger, receipt.MessageId, ex.Message);
            await _ledger.MarkAsync(receipt.MessageId, "refused: " + ex.Message, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The receive stage parses the whole message, so it is read into memory once (SES caps messages at 40 MB).</summary>
    private async Task<byte[]> FetchAsync(SesReceipt receipt, CancellationToken cancellationToken)
    {
        using var response = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = receipt.BucketName, Key = receipt.ObjectKey }, cancellationToken).ConfigureAwait(false);
        var buffer = new MemoryStream(response.ContentLength > 0 ? (int)response.ContentLength : 64 * 1024);
        await response.ResponseStream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SES message {SesMessageId} queued as {MessageKey} for {Count} alias(es)")]
    private static partial void LogReceived(ILogger logger, string sesMessageId, string messageKey, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "SES message {SesMessageId} was already taken in; ignoring the repeat")]
    private static partial void LogDuplicate(ILogger logger, string sesMessageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SES message {SesMessageId} from <{Source}> dropped by verdict policy: {Reason}")]
    private static partial void LogDropped(ILogger logger, string sesMessageId, string source, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SES message {SesMessageId} from <{Source}> goes to the held store: {Reason}")]
    private static partial void LogHeld(ILogger logger, string sesMessageId, string source, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "SES message {SesMessageId}: recipient <{Recipient}> refused: {Reply}")]
    private static partial void LogRecipientRefused(ILogger logger, string sesMessageId, string recipient, string reply);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SES message {SesMessageId} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string sesMessageId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbound SQS message is not an SNS/SES notification: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Inbound SQS message is not an SES Received notification; ignoring it")]
    private static partial void LogIgnored(ILogger logger);
}
