namespace MailTumble.Core.Aliases;

/// <summary>The original system's forwarding rules, shared by every driver so they all answer alike.</summary>
public static class AliasRules
{
    /// <summary>
    /// More permanent bounces than this mark an alias dead by default (the original's <c>count_bounce &gt; 3</c>);
    /// <c>MailTumble:Feedback:MaxBounces</c> sets another limit for every driver.
    /// </summary>
    public const int BounceLimit = 3;

    /// <summary>
    /// The status a record means: opted out is disabled; a complaint or more than
    /// <paramref name="bounceLimit"/> bounces is dead; otherwise the stored status (active when none).
    /// </summary>
    public static AliasStatus Effective(AliasStatus stored, bool optout, int countBounce, int countComplaint, int bounceLimit = BounceLimit)
    {
        if (stored is AliasStatus.Disabled || optout)
        {
            return AliasStatus.Disabled;
        }

        return countComplaint > 0 || countBounce > bounceLimit ? AliasStatus.Dead : stored;
    }

    /// <summary>Parses a stored status; unknown text is treated as disabled, so a typo never forwards mail.</summary>
    public static AliasStatus ParseStatus(string? text) =>
        string.IsNullOrWhiteSpace(text) ? AliasStatus.Active
        : Enum.TryParse<AliasStatus>(text, ignoreCase: true, out var status) && Enum.IsDefined(status) && !int.TryParse(text, out _) ? status
        : AliasStatus.Disabled;

    /// <summary>The status as stored and served: lower case.</summary>
    public static string Format(AliasStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>
    /// The status after one more feedback event: a complaint kills an active or held alias, and so does
    /// the bounce that passes <paramref name="bounceLimit"/>; a disabled alias stays disabled.
    /// </summary>
    public static AliasStatus AfterFeedback(AliasStatus current, FeedbackKind kind, int countBounceAfter, int bounceLimit = BounceLimit) =>
        current is AliasStatus.Active or AliasStatus.Held && (kind is FeedbackKind.Complaint || (kind is FeedbackKind.Bounce && countBounceAfter > bounceLimit))
            ? AliasStatus.Dead
            : current;
}
