using MailTumble.Core.Aliases;
using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;
using MailTumble.Core.Replies;
using MailTumble.Core.Storage;
using Microsoft.Extensions.Logging;

namespace MailTumble.Core.Delivery;

/// <summary>
/// Send-time re-check for holds: leased deliveries whose alias is now held move to the held store, a whole
/// leased batch in one write, so holding an alias with a deep queue empties it at disk speed.
/// </summary>
internal sealed partial class QueuedHoldMover(IHeldStore held, IOutgoingQueue queue, IRawStore raw, IAliasDirectory directory, TimeProvider time, ILogger<DeliveryService> logger, TwoWayMasking? masking = null)
{
    private readonly ReverseAliases? _replies = masking?.Aliases;

    /// <summary>
    /// Moves the batch's deliveries for held aliases; returns the rest with the lookup already made for them
    /// (null for approved mail, which is never held again and is looked up when sent).
    /// </summary>
    public async Task<IReadOnlyList<(LeasedItem Leased, LookupResult? Lookup)>> MoveHeldAsync(IReadOnlyList<LeasedItem> batch, CancellationToken cancellationToken)
    {
        var rest = new List<(LeasedItem, LookupResult?)>(batch.Count);
        List<LeasedItem>? toHold = null;
        foreach (var leased in batch)
        {
            // Approved mail is never held again; a reply (its alias is a reverse alias) is the owner's own mail.
            if (leased.Item.Priority >= Moderator.ApprovedPriority || _replies?.Parse(leased.Item.Alias) is not null)
            {
                rest.Add((leased, null));
                continue;
            }

            var lookup = await directory.LookupAsync(leased.Item.Alias, cancellationToken).ConfigureAwait(false);
            if (IsHeld(leased, lookup))
            {
                (toHold ??= []).Add(leased);
            }
            else
            {
                rest.Add((leased, lookup));
            }
        }

        if (toHold is not null)
        {
            await MoveAsync(toHold, cancellationToken).ConfigureAwait(false);
        }

        return rest;
    }

    /// <summary>Whether the delivery must go to the held store: its alias is held and an operator has not approved it.</summary>
    private static bool IsHeld(LeasedItem leased, LookupResult lookup) =>
        leased.Item.Priority < Moderator.ApprovedPriority && lookup.Outcome == LookupOutcome.Found && lookup.Alias!.Status == AliasStatus.Held;

    /// <summary>Holds the deliveries (rewritten headers unchanged), then acks them from the queue.</summary>
    private async Task MoveAsync(IReadOnlyList<LeasedItem> items, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var entries = new List<HeldMessage>(items.Count);
        foreach (var l in items)
        {
            // The rewritten Reply-To carries the original author.
            var (author, subject) = MessageSummary.FromRewritten(l.Item.Headers);
            author = _replies?.Parse(author)?.Correspondent ?? author; // masked: Reply-To is the author's reverse alias
            var size = await SizeAsync(l.Item.MessageKey, cancellationToken).ConfigureAwait(false);
            entries.Add(new HeldMessage(l.Item, author ?? string.Empty, string.Empty, subject, size, "alias held (moved from the queue)", now));
        }

        // Held first, then acked: a crash in between redelivers the item, and holding it again is a no-op.
        // The acks go out together so the group-commit writer takes them in one transaction.
        await held.HoldAsync(entries, cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(items.Select(l => queue.AckAsync(l, "held", CancellationToken.None))).ConfigureAwait(false);
        foreach (var l in items)
        {
            LogMovedToHeld(logger, l.Item.Id, l.Item.Alias);
        }
    }

    private async Task<long> SizeAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await raw.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                return stream.Length;
            }
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
    }

    [LoggerMessage(EventId = 1070, Level = LogLevel.Information, Message = "Moved delivery {DeliveryId} alias=<{Alias}> to the held store: alias held")]
    private static partial void LogMovedToHeld(ILogger logger, string deliveryId, string alias);
}
