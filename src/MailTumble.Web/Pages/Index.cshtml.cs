using MailTumble.Core.Fairness;
using MailTumble.Web.Live;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MailTumble.Web.Pages;

/// <summary>The overview: queue, send-out, time to drain, pause banner and the live charts.</summary>
internal sealed class OverviewModel(OverviewReader reader, LiveHistory history) : PageModel
{
    private const int LanesShown = 8;

    public OverviewSnapshot Snapshot { get; private set; } = null!;

    public LaneReport? Lanes { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Snapshot = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        Lanes = await reader.ReadLanesAsync(LanesShown, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The lanes table's rows, for the page's polling.</summary>
    public async Task<IActionResult> OnGetLanesAsync(CancellationToken cancellationToken) =>
        Partial("/Pages/_Lanes.cshtml", await reader.ReadLanesAsync(LanesShown, cancellationToken).ConfigureAwait(false));

    /// <summary>The page's polling: current figures, and the chart points after <paramref name="since"/> / <paramref name="sinceMinute"/>.</summary>
    public async Task<IActionResult> OnGetLiveAsync(long since, long sinceMinute, CancellationToken cancellationToken)
    {
        var snapshot = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var minutes = history.PerMinute.Since(sinceMinute).ToList();
        if (history.CurrentMinute is { } current && current.At > sinceMinute)
        {
            minutes.Add(current);
        }

        return new JsonResult(new
        {
            fields = Fields(snapshot),
            paused = snapshot.Paused,
            sending = snapshot.Sending,
            depth = snapshot.Depth,
            seconds = Columns(history.PerSecond.Since(since)),
            minutes = Columns(minutes),
        });
    }

    /// <summary>The figures as shown, keyed by the page's <c>data-field</c> names (the page and its live updates write the same text).</summary>
    public static Dictionary<string, string> Fields(OverviewSnapshot s) => new(StringComparer.Ordinal)
    {
        ["depth"] = Format.Count(s.Depth),
        ["ready"] = Format.Count(s.Ready),
        ["in_flight"] = Format.Count(s.InFlight),
        ["deferred"] = Format.Count(s.Deferred),
        ["dead_letters"] = Format.Count(s.DeadLetters),
        ["held"] = s.Held is { } held ? Format.Count(held) : "n/a",
        ["drain"] = !s.Sending ? "not sending" : s.SecondsToDrain is { } seconds ? (seconds == 0 && s.Depth == 0 ? "empty" : Format.Duration(TimeSpan.FromSeconds(seconds))) : "unknown (paused)",
        ["rate"] = Format.Rate(s.Rate),
        ["max_rate"] = Format.Rate(s.MaxRate),
        ["workers"] = Format.Count(s.Workers),
        ["sent_per_second"] = Format.Rate(s.SentPerSecond),
        ["throttled_per_second"] = Format.Rate(s.ThrottledPerSecond),
        ["failed_per_second"] = Format.Rate(s.FailedPerSecond),
        ["sent_last_minute"] = Format.Count(s.SentLastMinute),
        ["quota"] = s.DailyQuota is { } quota ? $"{Format.Count(s.DailyUsed)} of {Format.Count(quota)} in 24 h" : "not set",
        ["pause"] = s.Paused ? $"until {Format.Time(s.PausedUntil!.Value)}: {s.PauseReason ?? "no reason given"}" : string.Empty,
    };

    /// <summary>Column arrays, as the chart library takes them.</summary>
    private static object Columns(IReadOnlyList<LiveSample> samples) => new
    {
        t = samples.Select(x => x.At),
        sent = samples.Select(x => x.Sent),
        throttled = samples.Select(x => x.Throttled),
        failed = samples.Select(x => x.Failed),
        depth = samples.Select(x => x.Depth),
    };
}
