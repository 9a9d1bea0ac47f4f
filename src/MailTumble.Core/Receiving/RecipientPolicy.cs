using MailTumble.Core.Addressing;
using MailTumble.Core.Bounces;
using MailTumble.Core.Aliases;
using MailTumble.Core.Feedback;
using MailTumble.Core.Replies;
using MailTumble.Core.Rewriting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Receiving;

/// <summary>Decides <c>RCPT TO</c>: never an open relay, never a silent drop when the directory is down.</summary>
public sealed partial class RecipientPolicy
{
    private readonly IAliasDirectory _directory;
    private readonly ReceiveOptions _options;
    private readonly ILogger<RecipientPolicy> _logger;
    private readonly HashSet<string> _domains;
    private readonly BounceAddress? _bounces;
    private readonly string? _complaints;
    private readonly ReverseAliases? _reverse;
    private readonly HashSet<string> _bounceDomains;

    /// <summary>
    /// Creates the policy; with <paramref name="bounces"/> it accepts our signed bounce addresses, with
    /// <paramref name="feedback"/> the complaints address, with <paramref name="masking"/> (and replies enabled in
    /// <paramref name="reply"/>) reverse aliases. Bounce addresses are taken only at our domains: the local ones and
    /// those <paramref name="rewrite"/> issues them on (<c>BounceDomain</c>, the <c>FROM_EMAIL</c> domain).
    /// </summary>
    public RecipientPolicy(
        IAliasDirectory directory,
        IOptions<ReceiveOptions> options,
        ILogger<RecipientPolicy> logger,
        BounceAddress? bounces = null,
        IOptions<FeedbackOptions>? feedback = null,
        TwoWayMasking? masking = null,
        IOptions<ReplyOptions>? reply = null,
        IOptions<RewriteOptions>? rewrite = null)
    {
        _reverse = reply?.Value.Enabled == true ? masking?.Aliases : null;
        _directory = directory;
        _bounces = bounces;
        _complaints = feedback?.Value.ComplaintsAddress is { Length: > 0 } c ? c.Trim().ToLowerInvariant() : null;
        _options = options.Value;
        _logger = logger;
        _domains = new HashSet<string>(_options.Domains.Select(Normalize), StringComparer.Ordinal);
        var fromEmail = rewrite?.Value.FromEmail;
        _bounceDomains = new HashSet<string>(
            new[] { rewrite?.Value.BounceDomain, fromEmail is { Length: > 0 } && fromEmail.Contains('@', StringComparison.Ordinal) ? fromEmail[(fromEmail.LastIndexOf('@') + 1)..] : null }
                .Where(d => !string.IsNullOrWhiteSpace(d)).Select(d => Normalize(d!)),
            StringComparer.Ordinal);
    }

    private static string Normalize(string domain) => domain.Trim().TrimEnd('.').ToLowerInvariant();

    /// <summary>Checks one recipient address as given in <c>RCPT TO</c>.</summary>
    public async ValueTask<RecipientDecision> CheckAsync(string address, CancellationToken cancellationToken) =>
        await CheckCoreAsync(address, cancellationToken).ConfigureAwait(false) with { Address = address };

    private async ValueTask<RecipientDecision> CheckCoreAsync(string address, CancellationToken cancellationToken)
    {
        // Before the plain-address check: a reverse alias may be longer than 64 octets in its local part (it carries the
        // correspondent's address), and only a signed one is taken.
        if (_reverse?.Parse(address) is { } reverse)
        {
            return await CheckReverseAsync(reverse, cancellationToken).ConfigureAwait(false);
        }

        if (!MailAddress.TryParse(address, out var parsed))
        {
            // %-hacks, '!' paths, quoted local parts and source routes all land here.
            return Refuse(554, "5.7.1 <" + Printable(address) + ">: Relay access denied");
        }

        if (_complaints is not null && parsed.Value == _complaints)
        {
            return new RecipientDecision(new SmtpReply(250, $"2.1.5 <{parsed.Value}>: Recipient ok"), null, parsed.Value);
        }

        if (_bounces is not null && _bounces.Check(parsed.Value).Status is var bounce and not BounceStatus.NotBounceAddress)
        {
            // Ours only at a domain we issue bounce addresses on: a valid token at someone else's domain is not a
            // bounce for us but mail for that domain, and we relay for nobody. What arrives at ours is consumed.
            try
            {
                if (!_bounceDomains.Contains(parsed.Domain) && !await IsLocalDomainAsync(parsed.Domain, cancellationToken).ConfigureAwait(false))
                {
                    return Refuse(554, $"5.7.1 <{parsed.Value}>: Relay access denied");
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogDirectoryTrouble(_logger, parsed.Value, ex.Message);
                return Refuse(451, $"4.3.0 <{parsed.Value}>: Temporary lookup failure, try again later");
            }

            switch (bounce)
            {
                case BounceStatus.Valid:
                    return new RecipientDecision(new SmtpReply(250, $"2.1.5 <{parsed.Value}>: Recipient ok"), null, parsed.Value);
                case BounceStatus.Forged or BounceStatus.Expired or BounceStatus.WrongTarget:
                    return Refuse(550, $"5.1.1 <{parsed.Value}>: Recipient address rejected: invalid or expired bounce address");
            }
        }

        try
        {
            if (!await IsLocalDomainAsync(parsed.Domain, cancellationToken).ConfigureAwait(false))
            {
                return Refuse(554, $"5.7.1 <{parsed.Value}>: Relay access denied");
            }

            var result = await _directory.LookupAsync(parsed.Value, cancellationToken).ConfigureAwait(false);
            switch (result.Outcome)
            {
                case LookupOutcome.NotFound:
                    return Refuse(550, $"5.1.1 <{parsed.Value}>: Recipient address rejected: no such alias");
                case LookupOutcome.TemporaryFailure:
                    LogDirectoryTrouble(_logger, parsed.Value, result.Reason);
                    return Refuse(451, $"4.3.0 <{parsed.Value}>: Temporary lookup failure, try again later");
            }

            var alias = result.Alias!;
            return alias.Status switch
            {
                AliasStatus.Dead => Refuse(550, $"5.1.1 <{parsed.Value}>: Recipient address rejected: this address no longer accepts mail"),
                AliasStatus.Disabled => Refuse(550, $"5.2.1 <{parsed.Value}>: Recipient address rejected: this address is disabled") with { RefusedAlias = alias.Address },
                _ => new RecipientDecision(new SmtpReply(250, $"2.1.5 <{parsed.Value}>: Recipient ok"), alias),
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogDirectoryTrouble(_logger, parsed.Value, ex.Message);
            return Refuse(451, $"4.3.0 <{parsed.Value}>: Temporary lookup failure, try again later");
        }
    }

    /// <summary>
    /// A reverse alias is accepted while its alias exists and is not disabled (a dead or held alias's owner may still
    /// reply); who may reply through it is decided by the intake, which knows the envelope sender.
    /// </summary>
    private async ValueTask<RecipientDecision> CheckReverseAsync(ReverseAlias reverse, CancellationToken cancellationToken)
    {
        try
        {
            if (!await IsLocalDomainAsync(reverse.Alias[(reverse.Alias.LastIndexOf('@') + 1)..], cancellationToken).ConfigureAwait(false))
            {
                return Refuse(554, $"5.7.1 <{reverse.Address}>: Relay access denied");
            }

            var result = await _directory.LookupAsync(reverse.Alias, cancellationToken).ConfigureAwait(false);
            switch (result.Outcome)
            {
                case LookupOutcome.NotFound:
                    return Refuse(550, $"5.1.1 <{reverse.Address}>: Recipient address rejected: no such alias");
                case LookupOutcome.TemporaryFailure:
                    LogDirectoryTrouble(_logger, reverse.Alias, result.Reason);
                    return Refuse(451, $"4.3.0 <{reverse.Address}>: Temporary lookup failure, try again later");
            }

            return result.Alias!.Status == AliasStatus.Disabled
                ? Refuse(550, $"5.2.1 <{reverse.Address}>: Recipient address rejected: this address is disabled") with { RefusedAlias = result.Alias.Address }
                : new RecipientDecision(new SmtpReply(250, $"2.1.5 <{reverse.Address}>: Recipient ok"), result.Alias) { Reverse = reverse };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogDirectoryTrouble(_logger, reverse.Alias, ex.Message);
            return Refuse(451, $"4.3.0 <{reverse.Address}>: Temporary lookup failure, try again later");
        }
    }

    private async ValueTask<bool> IsLocalDomainAsync(string domain, CancellationToken cancellationToken) =>
        _domains.Count > 0 ? _domains.Contains(domain) : await _directory.HasDomainAsync(domain, cancellationToken).ConfigureAwait(false);

    private static RecipientDecision Refuse(int code, string text) => new(new SmtpReply(code, text), null);

    private static string Printable(string text)
    {
        var clean = new string(text.Where(c => c >= 0x20 && c != 0x7f).Take(100).ToArray());
        return clean.Length < text.Length ? clean + "..." : clean;
    }

    [LoggerMessage(EventId = 1190, Level = LogLevel.Warning, Message = "Directory lookup for {Address} failed; answering 451: {Reason}")]
    private static partial void LogDirectoryTrouble(ILogger logger, string address, string? reason);
}
