namespace MailTumble.Testing;

/// <summary>Pacing as the provider sees it, from arrival (or release) instants.</summary>
public static class ArrivalPace
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

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
    public static (int Count, TimeSpan Start) Busiest(IEnumerable<TimeSpan> arrivals) => Busiest(arrivals, Second);

    /// <summary>The most of <paramref name="instants"/> in any window shorter than one second.</summary>
    public static int Busiest(IEnumerable<DateTimeOffset> instants) => Busiest(instants.Select(t => t - DateTimeOffset.UnixEpoch), Second).Count;

    /// <summary>The most arrivals in any window shorter than <paramref name="window"/>, and where the busiest such window starts.</summary>
    public static (int Count, TimeSpan Start) Busiest(IEnumerable<TimeSpan> arrivals, TimeSpan window)
    {
        var sorted = arrivals.Order().ToList();
        var best = 0;
        var start = TimeSpan.Zero;
        var j = 0;
        for (var i = 0; i < sorted.Count; i++)
        {
            while (sorted[i] - sorted[j] >= window)
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
