using System.CommandLine;
using System.Globalization;
using MailTumble.Core.Delivery;
using MailTumble.Core.Fairness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailTumble.Cli;

/// <summary><c>queue lanes</c>: the fair-share lanes, deepest first.</summary>
internal static class LaneCommands
{
    public static Command CreateLanes(CliContext context)
    {
        var top = new Option<int>("--top") { Description = "How many lanes to show (the deepest)", DefaultValueFactory = _ => 20 };
        var lanes = new Command("lanes", "Fair-share lanes, deepest first: depth, in flight, deferred, share of the rate, time to drain, oldest, backpressure") { top };
        lanes.SetAction((result, ct) => context.RunAsync(async services =>
        {
            var time = services.GetRequiredService<TimeProvider>();
            var store = services.GetService<IDeliveryStatusStore>();
            var status = store is null ? null : await store.LoadAsync(ct).ConfigureAwait(false);
            var rate = LaneReporter.RateFrom(status, services.GetRequiredService<IOptions<DeliveryOptions>>().Value, time.GetUtcNow());
            var report = await services.GetRequiredService<LaneReporter>().BuildAsync(Math.Clamp(result.GetValue(top), 1, 10_000), rate, ct).ConfigureAwait(false);
            await context.Out.WriteAsync(Format(report)).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return lanes;
    }

    internal static string Format(LaneReport report)
    {
        var c = CultureInfo.InvariantCulture;
        if (!report.Available)
        {
            return "lanes are kept by the queue service (SQS fair queue, MessageGroupId = lane key); it does not list them\n";
        }

        var lines = new List<string>
        {
            string.Create(c, $"lanes {report.Lanes} ({report.DueLanes} with mail due), fair share {(report.Enabled ? "on" : "off (first in, first out)")}, lane by {report.LaneBy}, rate {report.Rate:0.##}/s"),
        };
        if (report.Rows.Count == 0)
        {
            return lines[0] + "\n";
        }

        string[] header = ["lane", "depth", "ready", "in flight", "deferred", "bulk", "weight", "share/s", "drain", "oldest", "backpressure"];
        var rows = report.Rows.Select(r => new[]
        {
            r.Lane.Length == 0 ? "(none)" : r.Lane,
            r.Depth.ToString(c),
            r.Ready.ToString(c),
            r.InFlight.ToString(c),
            r.Deferred.ToString(c),
            r.Bulk.ToString(c),
            r.Weight.ToString("0.##", c),
            report.Enabled ? r.Share.ToString("0.##", c) : "-",
            r.Drain is { } d ? Span(d) : "-",
            r.OldestAge is { } a ? Span(a) : "-",
            r.Backpressure ? "on" : "off",
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        lines.Add(string.Join("  ", header.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        lines.AddRange(rows.Select(r => string.Join("  ", r.Select((v, i) => v.PadRight(widths[i]))).TrimEnd()));
        return string.Join('\n', lines) + "\n";
    }

    private static string Span(TimeSpan span) =>
        span.TotalDays >= 1 ? span.ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture) : span.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);
}
