using System.Text.RegularExpressions;

namespace MailTumble.Core.Feedback;

/// <summary>Classifies bounces from status codes and, for non-standard bounces, from their text.</summary>
internal static partial class BounceClassifier
{
    /// <summary>Sub-types named as SES names them, so records from every source read alike.</summary>
    public const string General = "General";
    public const string NoEmail = "NoEmail";
    public const string MailboxFull = "MailboxFull";
    public const string MessageTooLarge = "MessageTooLarge";
    public const string ContentRejected = "ContentRejected";

    /// <summary>The sub-type an RFC 3463 enhanced status code means.</summary>
    public static string SubType(string? status)
    {
        var code = status?.Trim() ?? string.Empty;
        var detail = code.Length > 2 ? code[2..] : string.Empty;
        return detail switch
        {
            "2.2" => MailboxFull,
            "3.4" or "2.3" => MessageTooLarge,
            "1.1" or "1.2" or "1.10" or "1.3" or "1.6" or "2.1" => NoEmail,
            "7.1" or "6.0" or "7.0" => ContentRejected,
            _ => General,
        };
    }

    /// <summary>Permanent for 5.x.x, transient for 4.x.x, undetermined otherwise.</summary>
    public static BounceType FromStatus(string? status) => status?.TrimStart() switch
    {
        ['5', ..] => BounceType.Permanent,
        ['4', ..] => BounceType.Transient,
        _ => BounceType.Undetermined,
    };

    /// <summary>
    /// Best effort for a bounce that is not an RFC 3464 report: an enhanced status code, else an SMTP
    /// reply code, else well-known phrases. A full mailbox is transient, as SES treats it.
    /// </summary>
    public static (BounceType Type, string SubType, string? Status) FromText(string text)
    {
        var enhanced = EnhancedStatus().Match(text);
        var status = enhanced.Success ? enhanced.Value : null;
        if (status is null && ReplyCode().Match(text) is { Success: true } reply)
        {
            status = reply.Groups[1].Value[0] + ".0.0";
        }

        if (FullPhrases().IsMatch(text))
        {
            return (BounceType.Transient, MailboxFull, status);
        }

        if (status is not null)
        {
            return (FromStatus(status), SubType(status), status);
        }

        if (UnknownUserPhrases().IsMatch(text))
        {
            return (BounceType.Permanent, NoEmail, null);
        }

        return DelayPhrases().IsMatch(text) ? (BounceType.Transient, General, null) : (BounceType.Undetermined, General, null);
    }

    [GeneratedRegex(@"(?<![\d.])[45]\.\d{1,3}\.\d{1,3}(?![\d.])")]
    private static partial Regex EnhancedStatus();

    [GeneratedRegex(@"(?<!\d)([45])[0-5]\d(:? |-)(?=\D)")]
    private static partial Regex ReplyCode();

    [GeneratedRegex(@"mailbox (is )?full|over ?quota|quota exceeded|insufficient (system )?storage", RegexOptions.IgnoreCase)]
    private static partial Regex FullPhrases();

    [GeneratedRegex(@"user unknown|no such (user|mailbox|recipient)|mailbox unavailable|does not exist|recipient (address )?rejected|address rejected|address not found|recipient ?not ?found|doesn't have an? [\w.-]+ account|account (that you tried to reach )?does not exist", RegexOptions.IgnoreCase)]
    private static partial Regex UnknownUserPhrases();

    [GeneratedRegex(@"delayed|will (be )?retr|still (be )?trying|not yet been delivered", RegexOptions.IgnoreCase)]
    private static partial Regex DelayPhrases();
}
