using System.Text;
using MimeKit;

namespace MailTumble.Core.Rewriting;

/// <summary>Builds the display name of the new From from the original sender.</summary>
internal static class SenderName
{
    public static string Build(MailboxAddress? original, FromFormat format)
    {
        if (original is null || format == FromFormat.None)
        {
            return string.Empty;
        }

        var name = Clean(original.Name);
        var address = original.Address ?? string.Empty;
        return format switch
        {
            FromFormat.Name when name.Length > 0 => NoAt(name),
            FromFormat.NameAndAddress when name.Length > 0 => NoAt(name) + " at " + address,
            _ => NoAt(address),
        };
    }

    /// <summary>"betsy@example.com" becomes "betsy at example.com": a name that looks like an address misleads readers and filters.</summary>
    private static string NoAt(string text) => text.Replace("@", " at ", StringComparison.Ordinal);

    /// <summary>Drops control characters and collapses runs of blanks (names come from untrusted headers).</summary>
    private static string Clean(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return string.Empty;
        }

        var builder = new StringBuilder(name.Length);
        var blank = false;
        foreach (var c in name.Trim())
        {
            if (char.IsControl(c) || char.IsWhiteSpace(c))
            {
                blank = true;
                continue;
            }

            if (blank && builder.Length > 0)
            {
                builder.Append(' ');
            }

            blank = false;
            builder.Append(c);
        }

        return builder.ToString();
    }
}
