namespace MailTumble.Tests;

/// <summary>Pacing as the provider sees it, from the sink's arrival timestamps.</summary>
internal static class ArrivalPace
{
    /// <summary>The steady rate over the arrivals in [<paramref name="from"/>, <paramref name="to"/>]: intervals per second between the first and the last of them.</summary>
    public static (double Rate, int Count) Steady(IEnumerable<TimeSpan> arrivals, TimeSpan from, TimeSpan to)
    {
        var inside = arrivals.Where(t => t >= from && t <= to).Order().ToList();
        if (inside.Count < 2)
        {
            return (0, inside.Count);
        }

        return ((inside.Count - 1) / (inside[^1] - inside[0]).TotalSeconds, inside.Count);
    }

    /// <summary>The most arrivals in any window shorter than one second, and where the busiest such window starts.</summary>
    public static (int Count, TimeSpan Start) Busiest(IEnumerable<TimeSpan> arrivals)
    {
        var sorted = arrivals.Order().ToList();
        var best = 0;
        var start = TimeSpan.Zero;
        var j = 0;
        for (var i = 0; i < sorted.Count; i++)
        {
            while (sorted[i] - sorted[j] >= TimeSpan.FromSeconds(1))
            {
                j++;
            }

            if (i - j + 1 > best)
            {
                best = i - j + 1;
                start = sorted[j];
            }
        }

        return (best, start);
    }
}
