using MailTumble.Core.Bounces;
using MailTumble.Core.Queue;
using MailTumble.Core.Receiving;
using MailTumble.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Moderation;

/// <summary>Operator decisions on held mail: approve (queue ahead of bulk mail), reject, and expiry.</summary>
public sealed partial class Moderator
{
    /// <summary>Priority given to approved mail, so it is sent ahead of bulk mail and never held again.</summary>
    public const int ApprovedPriority = 1;

    private const int Chunk = 1000;

    /// <summary>An approval claims, queues and marks within seconds; a claim this old was left by a process that stopped.</summary>
    private static readonly TimeSpan StaleClaim = TimeSpan.FromMinutes(10);
    private readonly IHeldStore _held;
    private readonly IOutgoingQueue _queue;
    private readonly IRawStore _raw;
    private readonly StoredMessages _stored;
    private readonly ISenderRuleStore _rules;
    private readonly QueueSignal _signal;
    private readonly BounceAddress _bounces;
    private readonly ReceiveOptions _receive;
    private readonly ModerationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<Moderator> _logger;

    /// <summary>Creates the moderator.</summary>
    public Moderator(
        IHeldStore held,
        IOutgoingQueue queue,
        IRawStore raw,
        StoredMessages stored,
        ISenderRuleStore rules,
        QueueSignal signal,
        BounceAddress bounces,
        IOptions<ReceiveOptions> receive,
        IOptions<ModerationOptions> options,
        TimeProvider time,
        ILogger<Moderator> logger)
    {
        ArgumentNullException.ThrowIfNull(receive);
        ArgumentNullException.ThrowIfNull(options);
        _held = held;
        _queue = queue;
        _raw = raw;
        _stored = stored;
        _rules = rules;
        _signal = signal;
        _bounces = bounces;
        _receive = receive.Value;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Queues the matching held mail at once, ahead of bulk mail, and records the decision; with
    /// <paramref name="allowSender"/> each sender is also allowed for that alias from now on. Returns how many.
    /// </summary>
    public async Task<int> ApproveAsync(HeldQuery query, string by, string? reason, bool allowSender, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var total = 0;
        var now = _time.GetUtcNow();
        var decision = new HeldDecision(HeldState.Approved, by, reason, now);
        var remembered = new HashSet<(string Alias, string Sender)>();
        while (true)
        {
            var batch = await _held.ListAsync(query with { Limit = Chunk, IncludeDecided = false }, cancellationToken).ConfigureAwait(false);
            if (batch.Count == 0)
            {
                break;
            }

            var last = batch.Count < Chunk;

            // Claim first (held -> approving, one conditional step), then queue, then mark approved: a reject
            // racing this approval either takes the entry before the claim (then it is not queued here) or
            // finds it claimed and leaves it alone, so "rejected" never goes out and "approved" always does.
            var claimed = (await _held.ClaimForApprovalAsync(batch.Select(h => h.Id).ToList(), decision, cancellationToken).ConfigureAwait(false))
                .ToHashSet(StringComparer.Ordinal);
            batch = batch.Where(h => claimed.Contains(h.Id)).ToList();
            if (batch.Count == 0)
            {
                continue; // everything listed was decided concurrently; list again
            }

            var items = batch.Select(h => h.Item with
            {
                Priority = ApprovedPriority,
                ExpiresAt = Later(h.Item.ExpiresAt, now + _receive.MaxQueueLifetime),
                EnvelopeFrom = FreshBounceAddress(h.Item),
            }).ToList();
            try
            {
                await _queue.EnqueueAsync(items, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await _held.ReleaseClaimsAsync(claimed, CancellationToken.None).ConfigureAwait(false);
                throw;
            }

            // A crash before this line leaves the entries claimed; the sweeper hands stale claims back undecided.
            var marked = await _held.MarkApprovedAsync(claimed, decision, CancellationToken.None).ConfigureAwait(false);
            total += marked.Count;

            foreach (var h in batch)
            {
                LogApproved(_logger, h.Id, h.Item.Alias, h.Sender, by, reason ?? string.Empty);
                if (h.Sender.Length > 0)
                {
                    remembered.Add((h.Item.Alias, h.Sender));
                }
            }

            _signal.Notify();
            if (last)
            {
                break;
            }
        }

        if (remembered.Count > 0)
        {
            await _rules.RememberAsync(remembered, CancellationToken.None).ConfigureAwait(false);
            if (allowSender)
            {
                foreach (var (alias, sender) in remembered)
                {
                    await _rules.SetAsync(new SenderRule(sender, alias, SenderRuleAction.Allow, false, now, by, "approved held mail"), CancellationToken.None).ConfigureAwait(false);
                    LogAllowed(_logger, sender, alias, by);
                }
            }
        }

        return total;
    }

    /// <summary>Rejects the matching held mail in one step; it is never sent. Returns how many.</summary>
    public async Task<int> RejectAsync(HeldQuery query, string by, string? reason, CancellationToken cancellationToken)
    {
        var result = await _held.RejectAsync(query, new HeldDecision(HeldState.Rejected, by, reason, _time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        // The decision is committed: the copies nothing refers to any more go to their one owner.
        await _stored.ReleaseAsync(result.ReleasedKeys, "held mail rejected", CancellationToken.None).ConfigureAwait(false);

        LogRejected(_logger, result.Rejected, Describe(query), by, reason ?? string.Empty);
        return result.Rejected;
    }

    /// <summary>One held entry with its original headers and a text preview; null when there is no such entry.</summary>
    public async Task<HeldDetails?> ShowAsync(string id, int previewChars, CancellationToken cancellationToken)
    {
        var message = await _held.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (message is null)
        {
            return null;
        }

        try
        {
            var stream = await _raw.OpenReadAsync(message.Item.MessageKey, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var mime = await MimeKit.MimeMessage.LoadAsync(stream, cancellationToken).ConfigureAwait(false);
                using var headers = new MemoryStream();
                await mime.Headers.WriteToAsync(headers, cancellationToken).ConfigureAwait(false);
                var text = mime.TextBody ?? mime.HtmlBody ?? string.Empty;
                var preview = text.Length > previewChars ? text[..previewChars] + "..." : text;
                return new HeldDetails(message, System.Text.Encoding.UTF8.GetString(headers.ToArray()), preview);
            }
        }
        catch (FileNotFoundException)
        {
            // Decided entries outlive their stored copy.
            return new HeldDetails(message, string.Empty, string.Empty);
        }
    }

    /// <summary>Applies the expiry action to mail held longer than the TTL and forgets old decisions; returns how many expired.</summary>
    public async Task<int> ExpireAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var query = new HeldQuery(HeldBefore: now - _options.HeldTtl);
        var reason = $"not decided within {_options.HeldTtl}";
        await _held.ReopenStaleClaimsAsync(now - StaleClaim, cancellationToken).ConfigureAwait(false);
        if (await _held.CountAsync(query, cancellationToken).ConfigureAwait(false) == 0)
        {
            // Nothing due: no decision to record or log.
            await _held.PruneAsync(now - _options.KeepDecided, cancellationToken).ConfigureAwait(false);
            return 0;
        }

        var count = _options.ExpiryAction == ExpiryAction.Approve
            ? await ApproveAsync(query, "expiry", reason, allowSender: false, cancellationToken).ConfigureAwait(false)
            : await RejectAsync(query, "expiry", reason, cancellationToken).ConfigureAwait(false);
        await _held.PruneAsync(now - _options.KeepDecided, cancellationToken).ConfigureAwait(false);
        return count;
    }

    /// <summary>The signed bounce address expires; mail held for days gets a new one so its bounces are still attributed.</summary>
    private string FreshBounceAddress(OutgoingItem item)
    {
        var at = item.EnvelopeFrom.LastIndexOf('@');
        return at < 0 ? item.EnvelopeFrom : _bounces.Create(item.Id, item.Recipient, item.EnvelopeFrom[(at + 1)..]);
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static string Describe(HeldQuery query) =>
        query.Ids is { } ids ? string.Join(",", ids.Take(10)) + (ids.Count > 10 ? ",..." : string.Empty)
        : $"alias={query.Alias ?? "*"} sender={query.Sender ?? "*"} held-before={query.HeldBefore?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "*"}";

    [LoggerMessage(EventId = 1150, Level = LogLevel.Information, Message = "Approved held delivery {DeliveryId} alias=<{Alias}> from=<{Sender}> by {By}: {Reason}")]
    private static partial void LogApproved(ILogger logger, string deliveryId, string alias, string sender, string by, string reason);

    [LoggerMessage(EventId = 1151, Level = LogLevel.Information, Message = "Rejected {Count} held deliveries ({Selection}) by {By}: {Reason}")]
    private static partial void LogRejected(ILogger logger, int count, string selection, string by, string reason);

    [LoggerMessage(EventId = 1152, Level = LogLevel.Information, Message = "Allowed sender <{Sender}> for alias <{Alias}> by {By}")]
    private static partial void LogAllowed(ILogger logger, string sender, string alias, string by);
}
