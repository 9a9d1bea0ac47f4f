namespace MailTumble.Core.Directory;

/// <summary>The original system's forwarding rules, shared by every driver so they all answer alike.</summary>
public static class AliasRules
{
    /// <summary>More permanent bounces than this mark an alias dead (the original's <c>count_bounce &gt; 3</c>).</summary>
    public const int BounceLimit = 3;

    /// <summary>
    /// The status a record means: opted out is disabled; a complaint or more than
    /// <see cref="BounceLimit"/> bounces is dead; otherwise the stored status (active when none).
    /// </summary>
    public static AliasStatus Effective(AliasStatus stored, bool optout, int countBounce, int countComplaint)
    {
        if (stored is AliasStatus.Disabled || optout)
        {
            return AliasStatus.Disabled;
        }

        return countComplaint > 0 || countBounce > BounceLimit ? AliasStatus.Dead : stored;
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
    /// the bounce that passes <see cref="BounceLimit"/>; a disabled alias stays disabled.
    /// </summary>
    public static AliasStatus AfterFeedback(AliasStatus current, FeedbackKind kind, int countBounceAfter) =>
        current is AliasStatus.Active or AliasStatus.Held && (kind is FeedbackKind.Complaint || (kind is FeedbackKind.Bounce && countBounceAfter > BounceLimit))
            ? AliasStatus.Dead
            : current;
}
