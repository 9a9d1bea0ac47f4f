using System.Text.Json;
using MailTumble.Core.Addressing;

namespace MailTumble.Core.Aliases;

/// <summary>
/// How every driver reads and writes an alias's targets, so they all answer alike: the list as an operator writes it
/// (<c>x@real,y@real</c>), and the per-target feedback of an alias with several targets, stored as one JSON text
/// (<c>[{"to":"x@real","bounce":0,"complaint":0,"delivery":0}]</c>) beside the first target in the seed's column.
/// </summary>
public static class AliasTargets
{
    /// <summary>
    /// Parses a comma-separated target list: every entry a valid address, no duplicates, at least one, at most
    /// <paramref name="max"/>. Throws <see cref="FormatException"/> naming the bad entry.
    /// </summary>
    public static IReadOnlyList<string> Parse(string text, int max = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(text);
        var targets = new List<string>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var address = MailAddress.Parse(part).Value;
            if (!targets.Contains(address, StringComparer.Ordinal))
            {
                targets.Add(address);
            }
        }

        return Check(targets, max);
    }

    /// <summary>Normalizes a target list (lower case, no duplicates) and checks it as <see cref="Parse"/> does.</summary>
    public static IReadOnlyList<string> Normalize(IEnumerable<string> targets, int max = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(targets);
        return Check(targets.Select(t => MailAddress.Parse(t.Trim()).Value).Distinct(StringComparer.Ordinal).ToList(), max);
    }

    /// <summary>The list as written and shown: comma-separated.</summary>
    public static string Format(IReadOnlyList<string> targets) => string.Join(',', targets);

    /// <summary>The stored per-target state; null or empty text means the alias has one target (counted on the alias).</summary>
    public static IReadOnlyList<TargetState> Decode(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        using var document = JsonDocument.Parse(json);
        var list = new List<TargetState>();
        foreach (var element in document.RootElement.EnumerateArray())
        {
            list.Add(new TargetState(
                element.GetProperty("to").GetString()!,
                element.TryGetProperty("bounce", out var b) ? b.GetInt32() : 0,
                element.TryGetProperty("complaint", out var c) ? c.GetInt32() : 0,
                element.TryGetProperty("delivery", out var d) ? d.GetInt32() : 0));
        }

        return list;
    }

    /// <summary>The text to store for <paramref name="states"/>: null for a single target, which needs no per-target state.</summary>
    public static string? Encode(IReadOnlyList<TargetState> states)
    {
        ArgumentNullException.ThrowIfNull(states);
        if (states.Count < 2)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var s in states)
            {
                writer.WriteStartObject();
                writer.WriteString("to", s.Address);
                writer.WriteNumber("bounce", s.CountBounce);
                writer.WriteNumber("complaint", s.CountComplaint);
                writer.WriteNumber("delivery", s.CountDelivery);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The new state for a new target list: targets kept keep their counts, new ones start at zero.</summary>
    public static IReadOnlyList<TargetState> Retarget(IReadOnlyList<TargetState> current, IReadOnlyList<string> targets) =>
        targets.Select(t => current.FirstOrDefault(s => s.Address == t) ?? new TargetState(t)).ToList();

    /// <summary>
    /// The state after one feedback event about <paramref name="target"/>; null when the alias has no such target
    /// (the event is then counted on the alias alone).
    /// </summary>
    public static IReadOnlyList<TargetState>? Record(IReadOnlyList<TargetState> states, string? target, FeedbackKind kind)
    {
        ArgumentNullException.ThrowIfNull(states);
        var index = target is null ? -1 : states.ToList().FindIndex(s => string.Equals(s.Address, target.Trim(), StringComparison.OrdinalIgnoreCase));
        if (index < 0)
        {
            return null;
        }

        var s = states[index];
        var changed = kind switch
        {
            FeedbackKind.Bounce => s with { CountBounce = s.CountBounce + 1 },
            FeedbackKind.Complaint => s with { CountComplaint = s.CountComplaint + 1 },
            _ => s with { CountDelivery = s.CountDelivery + 1 },
        };
        var list = states.ToList();
        list[index] = changed;
        return list;
    }

    /// <summary>
    /// Completes a record read from storage: its targets and dead targets from the per-target <paramref name="json"/>,
    /// and dead when every target is (unless an operator disabled it).
    /// </summary>
    public static AliasRecord Complete(AliasRecord record, string? json, int bounceLimit)
    {
        ArgumentNullException.ThrowIfNull(record);
        var states = Decode(json);
        if (states.Count < 2)
        {
            return record;
        }

        var dead = states.Where(s => s.IsDead(bounceLimit)).Select(s => s.Address).ToList();
        var status = dead.Count == states.Count && record.Status is AliasStatus.Active or AliasStatus.Held ? AliasStatus.Dead : record.Status;
        return record with { Target = states[0].Address, Status = status, Targets = states.Select(s => s.Address).ToList(), DeadTargets = dead };
    }

    private static IReadOnlyList<string> Check(List<string> targets, int max)
    {
        if (targets.Count == 0)
        {
            throw new FormatException("no target address given");
        }

        if (targets.Count > max)
        {
            throw new FormatException($"{targets.Count} targets given; at most {max} are allowed (MailTumble:MaxTargetsPerAlias)");
        }

        return targets;
    }
}
