using MailKit.Net.Smtp;
using MimeKit;

namespace MailTumble.Smtp.Outbound;

/// <summary>MailKit's client, told not to re-encode the message and how big it is without reading it twice.</summary>
internal sealed class VerbatimSmtpClient : SmtpClient
{
    public long CurrentSize { get; set; }

    public DateTimeOffset LastUsed { get; set; }

    protected override void Prepare(FormatOptions options, MimeMessage message, EncodingConstraint constraint, int maxLineLength)
    {
        // The body goes out byte for byte; re-encoding it would break signatures and 8-bit text.
    }

    protected override long GetSize(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) => CurrentSize;

    protected override Task<long> GetSizeAsync(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) => Task.FromResult(CurrentSize);
}
