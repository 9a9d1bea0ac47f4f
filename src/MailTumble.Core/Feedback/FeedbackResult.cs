namespace MailTumble.Core.Feedback;

/// <summary>What processing some feedback did.</summary>
/// <param name="Applied">Events counted against an alias.</param>
/// <param name="Duplicates">Events already processed before (counted once).</param>
/// <param name="Unattributed">Events that could not be tied to a delivery of ours (ignored).</param>
public sealed record FeedbackResult(int Applied, int Duplicates, int Unattributed)
{
    /// <summary>Nothing happened.</summary>
    public static FeedbackResult None { get; } = new(0, 0, 0);

    /// <summary>Documents that held no bounce, complaint or delivery report at all.</summary>
    public int NotReports { get; init; }

    /// <summary>What was ignored and why, one line each, for the operator (not part of equality).</summary>
    public IReadOnlyList<string> Ignored { get; init; } = [];

    /// <summary>A document that is no report, with the reason.</summary>
    public static FeedbackResult NotAReport(string reason) => None with { NotReports = 1, Ignored = [reason] };

    /// <summary>One event that names no delivery of ours, with the reason.</summary>
    public static FeedbackResult NotOurs(string reason) => new(0, 0, 1) { Ignored = [reason] };

    /// <summary>Adds two results.</summary>
    public static FeedbackResult operator +(FeedbackResult left, FeedbackResult right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return new(left.Applied + right.Applied, left.Duplicates + right.Duplicates, left.Unattributed + right.Unattributed)
        {
            NotReports = left.NotReports + right.NotReports,
            Ignored = [.. left.Ignored, .. right.Ignored],
        };
    }

    /// <summary>Adds two results.</summary>
    public static FeedbackResult Add(FeedbackResult left, FeedbackResult right) => left + right;

    /// <summary>Equal counts (the notes are explanation, not outcome).</summary>
    public bool Equals(FeedbackResult? other) =>
        other is not null && (Applied, Duplicates, Unattributed, NotReports) == (other.Applied, other.Duplicates, other.Unattributed, other.NotReports);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Applied, Duplicates, Unattributed, NotReports);

    /// <inheritdoc />
    public override string ToString() =>
        $"applied={Applied} duplicates={Duplicates} unattributed={Unattributed}" + (NotReports > 0 ? $" not-a-report={NotReports}" : string.Empty);
}
