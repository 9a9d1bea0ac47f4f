using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using MailTumble.Aws.Notifications;
using MailTumble.Core.Feedback.Sns;

namespace MailTumble.Aws.Feedback;

/// <summary>
/// Checks SNS signatures: version 1 (SHA1withRSA) and 2 (SHA256withRSA) over the canonical string, with the
/// certificate from an https <c>sns.&lt;region&gt;.amazonaws.com</c> URL ending in <c>.pem</c>, cached per URL.
/// </summary>
internal sealed partial class SnsVerifier
{
    private readonly ISnsHttp _http;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, X509Certificate2> _certificates = new(StringComparer.Ordinal);

    /// <summary>Creates the verifier.</summary>
    public SnsVerifier(ISnsHttp http, TimeProvider time)
    {
        _http = http;
        _time = time;
    }

    /// <summary>True for an https URL on an <c>sns.&lt;region&gt;.amazonaws.com</c> host (and ending in <c>.pem</c> when asked).</summary>
    public static bool IsSnsUrl(string? url, bool pem)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || !uri.IsDefaultPort || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return false;
        }

        return SnsHost().IsMatch(uri.IdnHost) && (!pem || uri.AbsolutePath.EndsWith(".pem", StringComparison.Ordinal));
    }

    /// <summary>
    /// Returns null when the message is genuinely signed by SNS, else the reason it is not. Throws
    /// <see cref="SnsUnavailableException"/> when the certificate cannot be fetched for a passing reason
    /// (network failure, timeout, a 5xx answer): SNS should retry rather than be refused.
    /// </summary>
    public async Task<string?> VerifyAsync(SnsMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var algorithm = message.SignatureVersion switch
        {
            "1" => HashAlgorithmName.SHA1,
            "2" => HashAlgorithmName.SHA256,
            _ => (HashAlgorithmName?)null,
        };
        if (algorithm is null)
        {
            return $"unsupported SignatureVersion '{message.SignatureVersion}'";
        }

        if (string.IsNullOrEmpty(message.Signature))
        {
            return "unsigned";
        }

        if (!IsSnsUrl(message.SigningCertUrl, pem: true))
        {
            return "SigningCertURL is not an https .pem URL on an sns.<region>.amazonaws.com host";
        }

        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(message.Signature);
        }
        catch (FormatException)
        {
            return "the signature is not base64";
        }

        var (certificate, problem) = await CertificateAsync(message.SigningCertUrl!, cancellationToken).ConfigureAwait(false);
        if (certificate is null)
        {
            return problem;
        }

        var now = _time.GetUtcNow();
        if (now < certificate.NotBefore.ToUniversalTime() || now > certificate.NotAfter.ToUniversalTime())
        {
            return "the signing certificate is not valid now";
        }

        using var rsa = certificate.GetRSAPublicKey();
        if (rsa is null)
        {
            return "the signing certificate has no RSA key";
        }

        var data = Encoding.UTF8.GetBytes(message.CanonicalString());
        return rsa.VerifyData(data, signature, algorithm.Value, RSASignaturePadding.Pkcs1) ? null : "the signature does not match";
    }

    /// <summary>The certificate, or why there is none. Only good certificates are cached, so a bad answer is asked again next time.</summary>
    private async Task<(X509Certificate2? Certificate, string? Problem)> CertificateAsync(string url, CancellationToken cancellationToken)
    {
        if (_certificates.TryGetValue(url, out var cached))
        {
            return (cached, null);
        }

        string pem;
        try
        {
            pem = await _http.GetCertificatePemAsync(new Uri(url), cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (ex.StatusCode is { } status && (int)status < 500)
        {
            // The host answered and has no such certificate: the message cannot be genuine.
            return (null, $"the signing certificate could not be fetched ({(int)status} {status})");
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new SnsUnavailableException("the signing certificate could not be fetched: " + ex.Message, ex);
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(pem);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            return (null, "the signing certificate is not a valid PEM certificate");
        }

        return (_certificates.GetOrAdd(url, certificate), null);
    }

    [GeneratedRegex(@"^sns\.[a-z0-9-]+\.amazonaws\.com$")]
    private static partial Regex SnsHost();
}
