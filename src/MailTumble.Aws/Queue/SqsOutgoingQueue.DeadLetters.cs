using Amazon.SQS.Model;
using MailTumble.Core.Queue;

namespace MailTumble.Aws.Queue;

/// <summary>Dead letters on the SQS dead-letter queue: list, show, replay and purge, for every process alike.</summary>
internal sealed partial class SqsOutgoingQueue
{
    public async Task<IReadOnlyList<DeadLetter>> ListDeadAsync(int limit, CancellationToken cancellationToken)
    {
        var url = await DeadUrlAsync(cancellationToken).ConfigureAwait(false);
        var all = await DrainAsync(url, cancellationToken).ConfigureAwait(false);
        await ShowAsync(url, all.Select(m => m.Message.ReceiptHandle).ToList(), cancellationToken).ConfigureAwait(false);
        return all
            .Select(m => ToDeadLetter(m.Body))
            .OrderByDescending(d => d.DeadAt)
            .Take(limit)
            .ToList();
    }

    public async Task<int> ReplayDeadAsync(IReadOnlyCollection<string>? ids, CancellationToken cancellationToken)
    {
        var url = await DeadUrlAsync(cancellationToken).ConfigureAwait(false);
        var all = await DrainAsync(url, cancellationToken).ConfigureAwait(false);
        var chosen = all.Where(m => ids is null || ids.Contains(m.Body.Id)).ToList();
        await SendAsync(_queueUrl, chosen.Select(m => m.Body with { Attempts = 0, NotBefore = null, DeadReason = null, DeadAt = null }), cancellationToken).ConfigureAwait(false);
        foreach (var m in chosen)
        {
            await _sqs.DeleteMessageAsync(new DeleteMessageRequest { QueueUrl = url, ReceiptHandle = m.Message.ReceiptHandle }, cancellationToken).ConfigureAwait(false);
        }

        await ShowAsync(url, all.Except(chosen).Select(m => m.Message.ReceiptHandle).ToList(), cancellationToken).ConfigureAwait(false);
        return chosen.Count;
    }

    public async Task<DeadLetter?> GetDeadAsync(string id, CancellationToken cancellationToken)
    {
        var url = await DeadUrlAsync(cancellationToken).ConfigureAwait(false);
        var all = await DrainAsync(url, cancellationToken).ConfigureAwait(false);
        await ShowAsync(url, all.Select(m => m.Message.ReceiptHandle).ToList(), cancellationToken).ConfigureAwait(false);
        return all.Where(m => m.Body.Id == id).Select(m => ToDeadLetter(m.Body)).FirstOrDefault();
    }

    public async Task<(int Purged, IReadOnlyList<string> ReleasedMessages)> PurgeDeadAsync(DateTimeOffset olderThan, CancellationToken cancellationToken)
    {
        var url = await DeadUrlAsync(cancellationToken).ConfigureAwait(false);
        var all = await DrainAsync(url, cancellationToken).ConfigureAwait(false);
        var old = all.Where(m => ToDeadLetter(m.Body).DeadAt < olderThan).ToList();
        var released = new List<string>();
        foreach (var m in old)
        {
            await _sqs.DeleteMessageAsync(new DeleteMessageRequest { QueueUrl = url, ReceiptHandle = m.Message.ReceiptHandle }, cancellationToken).ConfigureAwait(false);
            if (await _references.RemoveAsync(m.Body.MessageKey, m.Body.Id, cancellationToken).ConfigureAwait(false))
            {
                released.Add(m.Body.MessageKey);
            }
        }

        await ShowAsync(url, all.Except(old).Select(m => m.Message.ReceiptHandle).ToList(), cancellationToken).ConfigureAwait(false);
        return (old.Count, released.Distinct(StringComparer.Ordinal).ToList());
    }

    private static DeadLetter ToDeadLetter(QueuedDelivery body) =>
        new(body.ToItem(), body.Attempts, body.DeadReason ?? "moved by the queue's redrive policy (received too often)", body.DeadAt ?? body.ReceivedAt);
}
