using System.Text;
using MailTumble.Core.Rewriting;
using MimeKit;

namespace MailTumble.Core.Moderation;

/// <summary>The author and subject of a message, for moderation and listings.</summary>
internal static class MessageSummary
{
    /// <summary>From the original header block: the first From address and the decoded subject.</summary>
    public static (string? Author, string Subject) FromOriginal(ParsedMessage parsed) => Read(parsed.HeaderBlock, "From");

    /// <summary>From a rewritten header block, whose Reply-To carries the original author.</summary>
    public static (string? Author, string Subject) FromRewritten(ReadOnlyMemory<byte> headers) => Read(headers.ToArray(), "Reply-To");

    private static (string? Author, string Subject) Read(byte[] block, string authorHeader)
    {
        try
        {
            var headers = ParsedMessage.LoadHeaders(block);
            string? author = null;
            if (headers[authorHeader] is { } value && InternetAddressList.TryParse(value, out var list))
            {
                author = list.Mailboxes.FirstOrDefault()?.Address?.ToLowerInvariant();
            }

            return (author, Clip(headers[HeaderId.Subject] ?? string.Empty));
        }
        catch (FormatException)
        {
            return (null, string.Empty);
        }
    }

    private static string Clip(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, 200));
        foreach (var c in text.Where(c => !char.IsControl(c)).Take(200))
        {
            builder.Append(c);
        }

        return builder.ToString();
    }
}
