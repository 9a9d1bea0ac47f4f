using System.Text;
using MailTumble.Core.Rewriting;
using MailTumble.Core.Sending;
using Microsoft.Extensions.Options;

namespace MailTumble.Files;

/// <summary>
/// Delivers into a directory, one <c>.eml</c> file per delivery, with the envelope recorded in
/// <c>Return-Path</c> and <c>Delivered-To</c> as a local delivery agent would. Files appear whole
/// (written aside, then renamed), so a reader never sees half a message.
/// </summary>
internal sealed class OutboxSender : IMailSender
{
    private readonly string _directory;
    private readonly string _staging;
    private readonly TimeProvider _time;

    public OutboxSender(IOptions<FileStoreOptions> options, TimeProvider time)
    {
        _directory = Path.GetFullPath(options.Value.OutboxDirectory);
        _staging = Path.Combine(_directory, ".tmp");
        _time = time;
    }

    public string Describe() => "outbox directory " + _directory;

    public async Task<SendResult> SendAsync(PreparedMessage message, CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(_staging);
            var name = $"{_time.GetUtcNow():yyyyMMddTHHmmssfff}-{message.DeliveryId}.eml";
            var staging = Path.Combine(_staging, name);
            var stream = new FileStream(staging, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                var envelope = $"Return-Path: <{message.EnvelopeFrom}>\r\nDelivered-To: {message.Recipient}\r\n";
                await stream.WriteAsync(Encoding.UTF8.GetBytes(envelope), cancellationToken).ConfigureAwait(false);
                await stream.WriteAsync(message.Headers, cancellationToken).ConfigureAwait(false);
                await stream.WriteAsync("\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                await CrlfBody.CopyAsync(message.Body, stream, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            // The rename is the delivery: it happens at the message's slot like the end of DATA would.
            if (message.BeforeContent is not null)
            {
                await message.BeforeContent(cancellationToken).ConfigureAwait(false);
            }

            var final = Path.Combine(_directory, name);
            File.Move(staging, final, overwrite: true);
            return new SendResult(SendOutcome.Sent, "250 2.0.0 written to " + final);
        }
        catch (IOException ex)
        {
            return new SendResult(SendOutcome.TransientFailure, "451 4.3.0 outbox write failed: " + ex.Message);
        }
        catch (UnauthorizedAccessException ex)
        {
            return new SendResult(SendOutcome.TransientFailure, "451 4.3.0 outbox not writable: " + ex.Message);
        }
    }
}
