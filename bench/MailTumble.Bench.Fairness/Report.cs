using System.Globalization;
using System.Text.RegularExpressions;

namespace MailTumble.Bench.Fairness;

/// <summary>
/// Reads the provider stand-in's log ("A ms delivery-id tag" per accepted message), the trickle's ("Q ms tag" per 250)
/// and the relay's log ("Queued message … delivery ID" per accepted delivery) and prints one line of figures.
/// </summary>
internal static partial class Report
{
    public static int Run(Args args)
    {
        var c = CultureInfo.InvariantCulture;
        var rate = args.Double("rate", 20);
        var accepted = File.ReadLines(args.Get("provider")).Select(l => l.Split(' ')).Where(p => p[0] == "A" && p.Length >= 4)
            .Select(p => (At: long.Parse(p[1], c), Id: p[2], Tag: p[3])).OrderBy(a => a.At).ToList();
        var throttled = File.ReadLines(args.Get("provider")).Count(l => l.StartsWith("T ", StringComparison.Ordinal));
        var queued = File.ReadLines(args.Get("queued")).Select(l => l.Split(' ')).Where(p => p[0] == "Q")
            .ToDictionary(p => p[2], p => long.Parse(p[1], c), StringComparer.Ordinal);
        var ids = File.ReadLines(args.Get("relay-log")).Select(l => QueuedLine().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

        var delivered = accepted.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        var lost = ids.Count(id => !delivered.Contains(id));
        var latencies = queued.Select(q => (Tag: q.Key, Queued: q.Value, Sent: accepted.FirstOrDefault(a => a.Tag == q.Key).At))
            .Select(x => x.Sent == 0 ? double.PositiveInfinity : (x.Sent - x.Queued) / 1000.0).Order().ToList();
        var trickleStart = queued.Values.DefaultIfEmpty().Min();
        var trickleEnd = queued.Values.DefaultIfEmpty().Max();
        var burst = accepted.Where(a => a.Tag == "-").ToList();
        var burstDuring = burst.Count(a => a.At >= trickleStart && a.At <= trickleEnd) * 1000.0 / Math.Max(1, trickleEnd - trickleStart);
        var burstOverall = burst.Count > 1 ? (burst.Count - 1) * 1000.0 / (burst[^1].At - burst[0].At) : 0;
        var total = accepted.Count > 1 ? (accepted.Count - 1) * 1000.0 / (accepted[^1].At - accepted[0].At) : 0;
        var busiest = 0;
        for (int i = 0, j = 0; i < accepted.Count; i++)
        {
            while (accepted[i].At - accepted[j].At >= 1000)
            {
                j++;
            }

            busiest = Math.Max(busiest, i - j + 1);
        }

        double P(double q) => latencies.Count == 0 ? double.NaN : latencies[Math.Clamp((int)Math.Ceiling(q * latencies.Count) - 1, 0, latencies.Count - 1)];
        string S(double seconds) => double.IsPositiveInfinity(seconds) ? "not delivered" : seconds >= 120 ? string.Create(c, $"{seconds / 60:0.0} min") : string.Create(c, $"{seconds:0.00} s");
        var error = (total - rate) / rate * 100;
        var checks = args.Get("check", "no") == "yes";
        var ok = P(0.99) <= 3 && P(1) <= 5 && Math.Abs(error) <= 1 && busiest <= rate + 1 && lost == 0;
        Console.WriteLine(string.Create(c,
            $"{args.Get("label")}: others ({latencies.Count} msgs) queue-to-provider p50 {S(P(0.5))}, p99 {S(P(0.99))}, max {S(P(1))}; burst {burstDuring:0.0}/s while they send, {burstOverall:0.00}/s overall; total at provider {total:0.00}/s ({error:+0.0;-0.0}%), busiest 1-s window {busiest} (limit {rate + 1}); delivered {delivered.Count}/{ids.Count}, lost {lost}, throttled {throttled}{(checks ? ok ? "  [ok]" : "  [MISS]" : string.Empty)}"));
        return 0;
    }

    [GeneratedRegex(@"Queued message \S+ delivery (\S+):")]
    private static partial Regex QueuedLine();
}
