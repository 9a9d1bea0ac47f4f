namespace MailTumble.Aws.Feedback;

/// <summary>
/// Port: the two HTTPS calls SNS handling makes. The verifier checks every URL's host before calling,
/// so a test implementation can serve its own certificate without weakening that check.
/// </summary>
public interface ISnsHttp
{
    /// <summary>
    /// Downloads a PEM signing certificate. Throws <see cref="HttpRequestException"/> with its
    /// <see cref="HttpRequestException.StatusCode"/> set when the host answers with an error, without it on a
    /// network failure, and <see cref="OperationCanceledException"/> on a timeout.
    /// </summary>
    Task<string> GetCertificatePemAsync(Uri url, CancellationToken cancellationToken);

    /// <summary>Confirms a subscription by visiting its SubscribeURL.</summary>
    Task ConfirmSubscriptionAsync(Uri url, CancellationToken cancellationToken);
}
