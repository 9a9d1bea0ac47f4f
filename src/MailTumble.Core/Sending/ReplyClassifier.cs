using System.Text.RegularExpressions;

namespace MailTumble.Core.Sending;

/// <summary>Maps an SMTP reply to a <see cref="SendOutcome"/>.</summary>
public sealed class ReplyClassifier
{
    /// <summary>
    /// Replies that mean "you are sending too fast" (SES's <c>454 Throttling failure</c>, rate-limit and
    /// too-many-connections texts). Other 4xx, greylisting and generic <c>4.7.x</c> policy deferrals included, are
    /// ordinary temporary failures: retrying those every few seconds for days would only hammer the receiver.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultThrottlePatterns =
    [
        @"^4\d\d\b.*throttl",
        @"^4\d\d\b.*\brate\b.*\b(limit|exceed)",
        @"^4\d\d\b.*\b(limit|exceed)\w*\b.*\brate\b",
        @"^4\d\d\b.*\btoo many (messages|mails|emails|connections|concurrent)",
        @"^4\d\d\b.*\bslow down\b",
    ];

    /// <summary>Replies that mean the provider's daily quota is spent.</summary>
    public static readonly IReadOnlyList<string> DefaultQuotaPatterns = [@"daily message quota exceeded"];

    private readonly Regex[] _throttle;
    private readonly Regex[] _quota;

    /// <summary>Creates a classifier with the given patterns (case-insensitive regular expressions).</summary>
    public ReplyClassifier(IEnumerable<string>? throttlePatterns = null, IEnumerable<string>? quotaPatterns = null)
    {
        _throttle = Compile(throttlePatterns ?? DefaultThrottlePatterns);
        _quota = Compile(quotaPatterns ?? DefaultQuotaPatterns);
    }

    /// <summary>Classifies a reply given as code and text (text may include the code).</summary>
    public SendOutcome Classify(int code, string text)
    {
        var line = text.StartsWith(code.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            ? text
            : $"{code} {text}";
        if (code is >= 200 and < 300)
        {
            return SendOutcome.Sent;
        }

        if (_quota.Any(r => r.IsMatch(line)))
        {
            return SendOutcome.QuotaExceeded;
        }

        if (code is >= 400 and < 500)
        {
            return _throttle.Any(r => r.IsMatch(line)) ? SendOutcome.Throttled : SendOutcome.TransientFailure;
        }

        return code is >= 500 and < 600 ? SendOutcome.PermanentFailure : SendOutcome.TransientFailure;
    }

    private static Regex[] Compile(IEnumerable<string> patterns) =>
        patterns.Select(p => new Regex(p, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100))).ToArray();
}
