using System.Globalization;

namespace MailTumble.Web;

/// <summary>How the console writes numbers, durations and times (invariant culture, UTC), server-side and in live updates alike.</summary>
internal static class Format
{
    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Rate(double value) => value.ToString(value >= 100 ? "0" : "0.##", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string IsoTime(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>A duration as an operator reads it: "45 s", "3 min 20 s", "2 h 5 min", "3 d 4 h".</summary>
    public static string Duration(TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            value = TimeSpan.Zero;
        }

        return value.TotalSeconds < 60 ? $"{Math.Ceiling(value.TotalSeconds):0} s"
            : value.TotalMinutes < 60 ? $"{(int)value.TotalMinutes} min {value.Seconds} s"
            : value.TotalHours < 24 ? $"{(int)value.TotalHours} h {value.Minutes} min"
            : $"{(int)value.TotalDays} d {value.Hours} h";
    }

    public static string Bytes(long value) =>
        value < 1024 ? $"{value} B"
        : value < 1024 * 1024 ? (value / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KiB"
        : (value / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + " MiB";

    /// <summary>Parses "30m", "12h", "7d", "90s" (as the CLI does); false for anything else.</summary>
    public static bool TryAge(string? text, out TimeSpan age) => Core.Duration.TryParse(text, out age);

    /// <summary>The first line of a reply, clipped for a table cell.</summary>
    public static string Clip(string? text, int max = 120)
    {
        var line = (text ?? string.Empty).ReplaceLineEndings(" ");
        return line.Length <= max ? line : line[..max] + "…";
    }
}
