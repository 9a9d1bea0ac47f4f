using MailTumble.Core.Moderation;
using MailTumble.Core.Rewriting;

namespace MailTumble.Core.Receiving;

/// <summary>One incoming message as the receive plan sees it.</summary>
/// <param name="EnvelopeFrom">The envelope sender; empty for the null sender.</param>
/// <param name="Key">The raw store key the message is (or will be) stored under.</param>
/// <param name="Message">The parsed header section.</param>
/// <param name="Size">The message's size in bytes.</param>
/// <param name="HoldReason">An upstream verdict that holds every delivery the rules would forward, or null.</param>
/// <param name="ReceivedAt">When it was received.</param>
internal sealed record ReceiveRequest(string EnvelopeFrom, string Key, ParsedMessage Message, long Size, string? HoldReason, DateTimeOffset ReceivedAt)
{
    /// <summary>The author (first header From address), or null.</summary>
    public string? Author { get; init; }

    /// <summary>The decoded subject, clipped for listings.</summary>
    public string Subject { get; init; } = string.Empty;

    /// <summary>Who sent the message for the sender rules: the author if there is one, else the envelope sender, lower case.</summary>
    public string Sender => (Author ?? EnvelopeFrom).Trim().ToLowerInvariant();

    /// <summary>The request for <paramref name="message"/>, its author and subject read from the header section.</summary>
    public static ReceiveRequest For(string envelopeFrom, string key, ParsedMessage message, long size, string? holdReason, DateTimeOffset receivedAt)
    {
        var (author, subject) = MessageSummary.FromOriginal(message);
        return new ReceiveRequest(envelopeFrom, key, message, size, holdReason, receivedAt) { Author = author, Subject = subject };
    }
}
