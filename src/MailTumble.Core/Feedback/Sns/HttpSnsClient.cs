namespace MailTumble.Core.Feedback.Sns;

/// <summary>The real <see cref="ISnsHttp"/>: plain HTTPS GETs with a short timeout.</summary>
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
