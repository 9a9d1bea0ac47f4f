using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MailTumble.Core.Rewriting;
using MailTumble.Core.Sending;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailTumble.Smtp.Outbound;

/// <summary>
/// Sends through a smarthost with MailKit, keeping one connection per worker in a pool so
/// connections are reused across messages and reopened after failures.
/// </summary>
internal sealed class SmtpMailSender : IMailSender, IAsyncDisposable
{
    private static readonly FormatOptions Format = CreateFormat(international: false);
    private static readonly FormatOptions International = CreateFormat(international: true);
    private readonly OutboundSmtpOptions _options;
    private readonly ReplyClassifier _classifier;
    private readonly TimeProvider _time;
    private readonly ConcurrentBag<VerbatimSmtpClient> _idle = [];

    public SmtpMailSender(IOptions<OutboundSmtpOptions> options, ReplyClassifier classifier, TimeProvider time)
    {
        _options = options.Value;
        _classifier = classifier;
        _time = time;
    }

    public string Describe() => $"smarthost {_options.Host}:{_options.Port} ({_options.Security})";

    public async Task<SendResult> SendAsync(PreparedMessage message, CancellationToken cancellationToken)
    {
        var bodyStart = message.Body.CanSeek ? message.Body.Position : -1;
        for (var attempt = 0; ; attempt++)
        {
            var client = Take();
            var reused = client.IsConnected;
            var connected = reused;
            try
            {
                if (!client.IsConnected)
                {
                    await ConnectAsync(client, cancellationToken).ConfigureAwait(false);
                    connected = true;
                }

                var mime = new MimeMessage(ExactHeaders(message.Headers)) { Body = new RawBodyPart(message.Body, message.BeforeContent) };
                client.CurrentSize = message.Headers.Length + 2 + (bodyStart >= 0 ? message.Body.Length - bodyStart : 0);
                var sender = MailboxAddress.Parse(ParserOptions.Default, message.EnvelopeFrom);
                var recipient = MailboxAddress.Parse(ParserOptions.Default, message.Recipient);
                // Raw 8-bit header bytes (UTF-8 names and subjects) are what SMTPUTF8 is for; ask for it where it is offered.
                var format = client.Capabilities.HasFlag(SmtpCapabilities.UTF8) && HasEightBit(message.Headers.Span) ? International : Format;
                var reply = await client.SendAsync(format, mime, sender, [recipient], cancellationToken).ConfigureAwait(false);
                Return(client);
                return new SendResult(SendOutcome.Sent, "250 " + reply, ProviderMessageId(reply));
            }
            catch (SmtpCommandException ex)
            {
                Return(client);
                var code = (int)ex.StatusCode;
                var text = $"{code} {ex.Message}";
                return new SendResult(_classifier.Classify(code, text), text);
            }
            catch (Exception ex) when (IsConnectionTrouble(ex, cancellationToken))
            {
                client.Dispose();

                // A pooled connection the server closed while idle: try once more on a fresh one.
                if (reused && attempt == 0 && bodyStart >= 0)
                {
                    message.Body.Position = bodyStart;
                    continue;
                }

                // Could not even connect: the provider is down, not this message's fault.
                var outcome = connected ? SendOutcome.TransientFailure : SendOutcome.ProviderUnavailable;
                return new SendResult(outcome, $"451 4.4.1 cannot deliver via {_options.Host}:{_options.Port}: {ex.Message}");
            }
            catch (MailKit.Security.AuthenticationException ex)
            {
                client.Dispose();
                return new SendResult(SendOutcome.TransientFailure, $"454 4.7.0 smarthost authentication failed: {ex.Message}");
            }
            catch (ServiceNotAuthenticatedException ex)
            {
                // The smarthost wants AUTH and no username is configured: a setting to fix, not this message's fault.
                client.Dispose();
                return new SendResult(SendOutcome.TransientFailure, $"530 5.7.0 smarthost requires authentication; set MailTumble:Outbound:Smtp:Username and :Password ({ex.Message})");
            }
        }
    }

    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        var client = Take();
        if (!client.IsConnected)
        {
            try
            {
                await ConnectAsync(client, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsConnectionTrouble(ex, cancellationToken) || ex is MailKit.Security.AuthenticationException)
            {
                // The send that follows reports the trouble with a proper classification.
                client.Dispose();
                return;
            }
        }

        Return(client);
    }

    public ValueTask DisposeAsync()
    {
        while (_idle.TryTake(out var client))
        {
            client.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private static bool IsConnectionTrouble(Exception ex, CancellationToken cancellationToken) =>
        ex is SmtpProtocolException or IOException or SocketException or ServiceNotConnectedException or TimeoutException or SslHandshakeException
        || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private VerbatimSmtpClient Take()
    {
        var now = _time.GetUtcNow();
        while (_idle.TryTake(out var client))
        {
            if (client.IsConnected && now - client.LastUsed < _options.IdleTimeout)
            {
                return client;
            }

            client.Dispose();
        }

        return new VerbatimSmtpClient
        {
            Timeout = (int)_options.Timeout.TotalMilliseconds,
            LocalDomain = _options.HeloName,
            ServerCertificateValidationCallback = ValidateCertificate,
        };
    }

    private void Return(VerbatimSmtpClient client)
    {
        if (!client.IsConnected)
        {
            client.Dispose();
            return;
        }

        client.LastUsed = _time.GetUtcNow();
        _idle.Add(client);
    }

    private async Task ConnectAsync(VerbatimSmtpClient client, CancellationToken cancellationToken)
    {
        var security = _options.Security.ToLowerInvariant() switch
        {
            "tls" => SecureSocketOptions.SslOnConnect,
            "starttls" => SecureSocketOptions.StartTls,
            _ => SecureSocketOptions.None,
        };
        // Our own socket, so Nagle can be switched off: SMTP is small request/reply writes, and Nagle
        // with the peer's delayed ACK stalls every message by tens of milliseconds.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(_options.Host!, _options.Port, cancellationToken).ConfigureAwait(false);
            await client.ConnectAsync(socket, _options.Host!, _options.Port, security, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        if (!string.IsNullOrEmpty(_options.Username))
        {
            await client.AuthenticateAsync(_options.Username, _options.Password ?? string.Empty, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string? ProviderMessageId(string reply)
    {
        // SES answers "Ok <message-id>"; keep the last token as the provider's id.
        var parts = reply.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 ? parts[^1] : null;
    }

    private static FormatOptions CreateFormat(bool international)
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        format.International = international;
        return format;
    }

    /// <summary>A certificate that validates, or exactly the one pinned by its SHA-256 fingerprint.</summary>
    private bool ValidateCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        var pin = _options.CertificateSha256?.Replace(":", string.Empty, StringComparison.Ordinal);
        return !string.IsNullOrEmpty(pin) && certificate is not null
            && string.Equals(certificate.GetCertHashString(HashAlgorithmName.SHA256), pin, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The header block as MimeKit fields that are written exactly as they are: with SMTPUTF8, MimeKit would otherwise
    /// re-format address fields (decoding encoded words, re-folding), which changes signed bytes (DKIM) and what the
    /// rewriter wrote.
    /// </summary>
    private static HeaderList ExactHeaders(ReadOnlyMemory<byte> block)
    {
        var headers = ParsedMessage.LoadHeaders(block.ToArray());
        foreach (var header in headers)
        {
            header.SetRawValue(header.RawValue);
        }

        return headers;
    }

    private static bool HasEightBit(ReadOnlySpan<byte> headers) => headers.IndexOfAnyExceptInRange((byte)0, (byte)0x7f) >= 0;
}
