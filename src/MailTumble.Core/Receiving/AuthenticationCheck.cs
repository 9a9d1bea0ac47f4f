namespace MailTumble.Core.Receiving;

/// <summary>One authentication result.</summary>
/// <param name="Method"><c>spf</c>, <c>dkim</c> or <c>dmarc</c> (lower case).</param>
/// <param name="Result"><c>pass</c>, <c>fail</c>, ... (lower case).</param>
/// <param name="Domain">
/// The domain it passed or failed for (SPF: the MAIL FROM domain; DKIM: the signing domain <c>d=</c>; DMARC: the From
/// domain), or null when the checker did not say (SES gives a verdict without the domain).
/// </param>
public sealed record AuthenticationCheck(string Method, string Result, string? Domain);
