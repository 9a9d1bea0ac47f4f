using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;
using MailTumble.Core.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Aliases;

/// <summary>
/// Creates aliases on first use for domains with <c>MailTumble:Domains:{d}:AutoCreate</c>, forwarding to the domain's
/// default target, at most <see cref="DomainOptions.AutoCreateLimit"/> per window and domain, so a dictionary attack
/// cannot create thousands: past the limit the address stays unknown (550). Every creation is logged and counted.
/// </summary>
public sealed partial class AliasAutoCreator : IDisposable
{
    private readonly IAliasAdmin _admin;
    private readonly AliasOptions _options;
    private readonly ILogger<AliasAutoCreator> _logger;
    private readonly ConcurrentDictionary<string, Domain> _domains = new(StringComparer.Ordinal);
    private readonly Meter _meter;
    private readonly Counter<long> _created;
    private readonly Counter<long> _refused;

    /// <summary>Creates the creator; aliases are written through <paramref name="admin"/>.</summary>
    public AliasAutoCreator(IAliasAdmin admin, IOptions<AliasOptions> options, ILogger<AliasAutoCreator> logger, IMeterFactory? meters = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _admin = admin;
        _options = options.Value;
        _logger = logger;
        _meter = meters?.Create(MailTumbleMetrics.MeterName) ?? new Meter(MailTumbleMetrics.MeterName);
        _created = _meter.CreateCounter<long>("mailtumble.aliases.auto_created", "{alias}", "Aliases created on first use, by domain.");
        _refused = _meter.CreateCounter<long>("mailtumble.aliases.auto_create_refused", "{address}", "Unknown addresses not created because the domain's limit was reached, by domain.");
    }

    /// <summary>Whether <paramref name="domain"/> creates aliases on first use.</summary>
    public bool Enabled(string domain) => _options.Domains.TryGetValue(domain, out var d) && d.AutoCreate;

    /// <summary>
    /// Creates <paramref name="alias"/> with its domain's default target when the domain allows it and its limit has
    /// room; returns the new alias, or null (not such a domain, or over the limit: the caller answers as for an unknown
    /// alias).
    /// </summary>
    public async ValueTask<AliasRecord?> TryCreateAsync(string alias, string domain, CancellationToken cancellationToken)
    {
        if (!_options.Domains.TryGetValue(domain, out var settings) || !settings.AutoCreate)
        {
            return null;
        }

        var state = _domains.GetOrAdd(domain, static (_, s) => new Domain(new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
        {
            PermitLimit = s.AutoCreateLimit,
            Window = s.AutoCreateWindow,
            QueueLimit = 0,
            AutoReplenishment = true,
        })), settings);
        var tag = new KeyValuePair<string, object?>("domain", domain);
        using var lease = state.Limiter.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            _refused.Add(1, tag);
            if (Interlocked.Exchange(ref state.Refusing, 1) == 0)
            {
                // One line when the limit is reached, not one per address of the attack.
                LogLimitReached(_logger, domain, settings.AutoCreateLimit, settings.AutoCreateWindow);
            }

            return null;
        }

        Volatile.Write(ref state.Refusing, 0);
        var targets = AliasTargets.Parse(settings.DefaultTarget!, _options.MaxTargetsPerAlias);
        await _admin.UpsertAsync(alias, targets, cancellationToken).ConfigureAwait(false);
        _created.Add(1, tag);
        LogCreated(_logger, alias, AliasTargets.Format(targets));
        return new AliasRecord(alias, targets[0], AliasStatus.Active) { Targets = targets };
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var domain in _domains.Values)
        {
            domain.Limiter.Dispose();
        }

        _meter.Dispose();
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Alias {Alias} created on first use, forwarding to {Targets}")]
    private static partial void LogCreated(ILogger logger, string alias, string targets);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Domain {Domain} created {Limit} aliases on first use within {Window}: further unknown addresses get 550 until the window ends")]
    private static partial void LogLimitReached(ILogger logger, string domain, int limit, TimeSpan window);

    private sealed class Domain(FixedWindowRateLimiter limiter)
    {
        public FixedWindowRateLimiter Limiter { get; } = limiter;

        public int Refusing;
    }
}
