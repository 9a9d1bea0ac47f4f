using MailTumble.Core.Rewriting;
using MailTumble.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;

namespace MailTumble.Core.Signing;

/// <summary>
/// Signs outbound mail with DKIM (relaxed/relaxed, rsa-sha256) for the domain of its <c>From</c>, when that domain has a
/// key under the configured selector. The body is streamed once through the hash, never held; the rewritten header
/// block is left byte for byte as it is and the <c>DKIM-Signature</c> field goes in front of it, so the senders write
/// exactly what was signed.
/// </summary>
public sealed partial class DkimSigning
{
    /// <summary>The fields signed, in this order; a field the message lacks is signed as absent, so it cannot be added.</summary>
    public static readonly IReadOnlyList<string> SignedFields = ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type", "Reply-To"];

    private static readonly FormatOptions Format = CreateFormat();
    private readonly Dictionary<string, DkimSigner> _signers = new(StringComparer.OrdinalIgnoreCase);
    private readonly ILogger<DkimSigning> _logger;

    public DkimSigning(IOptions<DkimOptions> options, IKeyFiles files, TimeProvider time, ILogger<DkimSigning> logger)
    {
        _logger = logger;
        var o = options.Value;
        if (string.IsNullOrWhiteSpace(o.Selector) || string.IsNullOrWhiteSpace(o.KeyDirectory))
        {
            return;
        }

        var selector = o.Selector.Trim();
        foreach (var (domain, file) in DkimKeys.List(files, o.KeyDirectory, selector))
        {
            using var key = new MemoryStream(DkimKeys.Read(files, file), writable: false);
            _signers[domain] = new ClockedDkimSigner(key, domain, selector, time);
            LogSigning(_logger, domain, selector, file);
        }
    }

    /// <summary>Whether any domain is signed.</summary>
    public bool Enabled => _signers.Count > 0;

    /// <summary>The domains signed.</summary>
    public IEnumerable<string> Domains => _signers.Keys;

    /// <summary>
    /// The header block with a <c>DKIM-Signature</c> in front, or the same block when its From domain has no key.
    /// Reads <paramref name="body"/> from where it is to its end (the caller positions it again to send).
    /// </summary>
    public ReadOnlyMemory<byte> Sign(ReadOnlyMemory<byte> headers, Stream body)
    {
        if (_signers.Count == 0)
        {
            return headers;
        }

        var list = ParsedMessage.LoadHeaders(headers.ToArray());
        var content = new List<Header>();
        var message = new MimeMessage();
        message.Headers.Clear();
        foreach (var header in list)
        {
            if (header.Field.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                content.Add(header);
            }
            else
            {
                message.Headers.Add(header);
            }
        }

        if (message.From.Mailboxes.FirstOrDefault()?.Domain is not { } domain || !_signers.TryGetValue(domain, out var signer))
        {
            return headers;
        }

        message.Body = new DkimBody(content, body);
        signer.Sign(Format, message, SignedFields.ToList());
        var dkim = message.Headers[0];

        // MimeKit folds the new field with the platform's line end; the wire wants CRLF (relaxed canonicalization
        // ignores how it is folded).
        var field = CrlfBody.Normalize([.. System.Text.Encoding.ASCII.GetBytes(dkim.Field + ":"), .. dkim.RawValue]);
        var signed = new byte[field.Length + headers.Length];
        field.CopyTo(signed, 0);
        headers.Span.CopyTo(signed.AsSpan(field.Length));
        return signed;
    }

    private static FormatOptions CreateFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        format.International = false;
        return format;
    }

    [LoggerMessage(EventId = 1210, Level = LogLevel.Information, Message = "DKIM: signing mail from {Domain} with selector {Selector} ({File})")]
    private static partial void LogSigning(ILogger logger, string domain, string selector, string file);
}
