using MailTumble.Core.Feedback.Sns;

namespace MailTumble.Aws.Feedback;

/// <summary>
/// The real <see cref="ISnsHttp"/>: plain HTTPS GETs with a short timeout. Failures surface as
/// <see cref="HttpRequestException"/> (with the status code when the host answered) or, on timeout,
/// <see cref="TaskCanceledException"/>; the verifier tells "no such certificate" from "try again".
/// </summary>
internal sealed class HttpSnsClient : ISnsHttp, IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(15) };

    public async Task<string> GetCertificatePemAsync(Uri url, CancellationToken cancellationToken) =>
        await _http.GetStringAsync(url, cancellationToken).ConfigureAwait(false);

    public async Task ConfirmSubscriptionAsync(Uri url, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(url, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    public void Dispose() => _http.Dispose();
}
