namespace MailTumble.Core.Receiving;

/// <summary>Authentication results for one message, from the ingress (SES verdicts) or a trusted Authentication-Results header.</summary>
/// <param name="Source">Who checked (for the log): <c>SES</c>, or the authserv-id.</param>
/// <param name="Checks">The results, one per method.</param>
public sealed record SenderAuthentication(string Source, IReadOnlyList<AuthenticationCheck> Checks);
