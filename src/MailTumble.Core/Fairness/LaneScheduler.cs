using MailTumble.Core.Queue;

namespace MailTumble.Core.Fairness;

/// <summary>
/// Deficit round robin over lanes, counted in recipients (one queue item is one recipient, as the rate budget counts).
/// Each visit to a lane adds its weight to the lane's deficit and lets it send as many whole recipients as the deficit
/// holds; what is left carries over to its next visit (weights below one send every few rounds), and a lane that runs
/// out of due mail starts from zero next time, so an emptied lane gives its share back at once. The walk goes round the
/// due lanes in key order from where it stopped, so a lane that just got mail waits at most one round. Pure: no I/O
/// and no clock; <see cref="FairLeaser"/> feeds it the due lanes and the lease results.
/// </summary>
public sealed class LaneScheduler
{
    private const int MaxSteps = 100_000;
    private readonly Func<string, double> _weight;
    private readonly Dictionary<string, double> _carry = new(StringComparer.Ordinal);
    private string? _cursor;
    private bool _open;

    /// <summary>Creates a scheduler; <paramref name="weight"/> gives each lane's weight (above zero; 1 for an equal share).</summary>
    public LaneScheduler(Func<string, double> weight)
    {
        _weight = weight;
    }

    /// <summary>The lane visited last: the next walk lists due lanes after it.</summary>
    public string? Cursor => _cursor;

    /// <summary>Lanes carrying a deficit into their next visit.</summary>
    public int Carried => _carry.Count;

    /// <summary>
    /// Plans a lease of up to <paramref name="max"/> recipients. <paramref name="afterCursor"/> are the due lanes after
    /// <see cref="Cursor"/> in key order, <paramref name="fromStart"/> the due lanes from the first one (read up to the
    /// first lane already listed, i.e. once round). With <paramref name="complete"/> the two hold every due lane, and the
    /// plan may go round more than once to fill the batch; otherwise it makes one pass.
    /// </summary>
    public LanePlan Plan(int max, IReadOnlyList<string> afterCursor, IReadOnlyList<string> fromStart, bool complete)
    {
        var candidates = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (_open && _cursor is not null)
        {
            candidates.Add(_cursor);
            seen.Add(_cursor);
        }

        foreach (var lane in afterCursor)
        {
            if (seen.Add(lane))
            {
                candidates.Add(lane);
            }
        }

        foreach (var lane in fromStart)
        {
            if (!seen.Add(lane))
            {
                break;
            }

            candidates.Add(lane);
        }

        var deficits = new Dictionary<string, double>(StringComparer.Ordinal);
        var visits = new List<(string Lane, int Count)>();
        var remaining = Math.Max(0, max);
        string? last = null;
        var lastOpen = false;
        var continuing = _open && _cursor is not null;
        for (var step = 0; candidates.Count > 0 && remaining > 0 && step < MaxSteps; step++)
        {
            var index = step % candidates.Count;
            if (step > 0 && index == 0 && !complete)
            {
                break; // one pass only: lanes past the listed ones have not had their turn yet
            }

            var lane = candidates[index];
            var deficit = deficits.TryGetValue(lane, out var d) ? d : _carry.GetValueOrDefault(lane);
            if (!(step == 0 && continuing))
            {
                deficit += Math.Max(_weight(lane), 0.0001);
            }

            var count = (int)Math.Min(Math.Floor(deficit + 1e-9), remaining);
            if (count > 0)
            {
                visits.Add((lane, count));
                deficit -= count;
                remaining -= count;
            }

            deficits[lane] = deficit;
            last = lane;
            lastOpen = remaining == 0 && deficit >= 1 - 1e-9;
        }

        var takes = visits.GroupBy(v => v.Lane, StringComparer.Ordinal).Select(g => new LaneTake(g.Key, g.Sum(v => v.Count))).ToList();
        return new LanePlan(visits, takes, deficits, last, lastOpen, complete && candidates.Count > 0);
    }

    /// <summary>Keeps the state of a plan whose lease returned <paramref name="leased"/>: lanes that gave less than asked ran dry.</summary>
    public void Commit(LanePlan plan, IReadOnlyList<LeasedItem> leased)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.LastVisited is null)
        {
            return;
        }

        var got = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in leased)
        {
            got[item.Item.Lane] = got.GetValueOrDefault(item.Item.Lane) + 1;
        }

        var asked = plan.Takes.ToDictionary(t => t.Lane, t => t.Max, StringComparer.Ordinal);
        if (plan.Complete)
        {
            // Every due lane was in the plan: a lane that carried a deficit but is not due any more starts afresh.
            foreach (var lane in _carry.Keys.Where(l => !plan.Deficits.ContainsKey(l)).ToList())
            {
                _carry.Remove(lane);
            }
        }

        var lastDrained = false;
        foreach (var (lane, deficit) in plan.Deficits)
        {
            var drained = asked.TryGetValue(lane, out var a) && got.GetValueOrDefault(lane) < a;
            if (drained || deficit <= 1e-9)
            {
                _carry.Remove(lane);
            }
            else
            {
                _carry[lane] = deficit;
            }

            lastDrained |= drained && lane == plan.LastVisited;
        }

        _cursor = plan.LastVisited;
        _open = plan.LastOpen && !lastDrained;
    }
}
