using System.Globalization;

namespace MailTumble.Cli;

/// <summary>Parses short durations for the command line: <c>90s</c>, <c>30m</c>, <c>12h</c>, <c>7d</c>, or a TimeSpan.</summary>
internal static class Durations
{
    public static TimeSpan Parse(string text)
    {
        var t = text.Trim();
        if (t.Length > 1 && double.TryParse(t[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0)
        {
            switch (char.ToLowerInvariant(t[^1]))
            {
                case 's': return TimeSpan.FromSeconds(n);
                case 'm': return TimeSpan.FromMinutes(n);
                case 'h': return TimeSpan.FromHours(n);
                case 'd': return TimeSpan.FromDays(n);
                case 'w': return TimeSpan.FromDays(7 * n);
            }
        }

        return TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero
            ? span
            : throw new FormatException($"'{text}' is not a duration (e.g. 30m, 12h, 7d)");
    }
}
