using MailTumble.Core.Queue;

namespace MailTumble.Core.Fairness;

/// <summary>
/// What one fair lease asks the queue for (<see cref="Takes"/>), in which order the leased items are handed out
/// (<see cref="Visits"/>, the round robin's visiting order), and the scheduler state to keep once the lease is back.
/// </summary>
public sealed class LanePlan
{
    internal LanePlan(
        IReadOnlyList<(string Lane, int Count)> visits,
        IReadOnlyList<LaneTake> takes,
        IReadOnlyDictionary<string, double> deficits,
        string? lastVisited,
        bool lastOpen,
        bool complete)
    {
        Visits = visits;
        Takes = takes;
        Deficits = deficits;
        LastVisited = lastVisited;
        LastOpen = lastOpen;
        Complete = complete;
    }

    /// <summary>Lane visits in round-robin order, each with the recipients it may send.</summary>
    public IReadOnlyList<(string Lane, int Count)> Visits { get; }

    /// <summary>The same, added up per lane in order of first visit: what to lease.</summary>
    public IReadOnlyList<LaneTake> Takes { get; }

    /// <summary>Whether nothing is to be leased.</summary>
    public bool IsEmpty => Takes.Count == 0;

    internal IReadOnlyDictionary<string, double> Deficits { get; }

    internal string? LastVisited { get; }

    internal bool LastOpen { get; }

    internal bool Complete { get; }

    /// <summary>Puts leased items (grouped by take, as the queue returns them) into visiting order, so a quiet lane's mail is not behind a busy lane's batch.</summary>
    public IReadOnlyList<LeasedItem> Arrange(IReadOnlyList<LeasedItem> leased)
    {
        var byLane = new Dictionary<string, Queue<LeasedItem>>(StringComparer.Ordinal);
        foreach (var item in leased)
        {
            if (!byLane.TryGetValue(item.Item.Lane, out var list))
            {
                byLane[item.Item.Lane] = list = new Queue<LeasedItem>();
            }

            list.Enqueue(item);
        }

        var ordered = new List<LeasedItem>(leased.Count);
        foreach (var (lane, count) in Visits)
        {
            if (byLane.TryGetValue(lane, out var list))
            {
                for (var i = 0; i < count && list.Count > 0; i++)
                {
                    ordered.Add(list.Dequeue());
                }
            }
        }

        // Anything the visits did not account for (a queue returning more than asked) still goes out.
        foreach (var rest in byLane.Values)
        {
            ordered.AddRange(rest);
        }

        return ordered;
    }
}
