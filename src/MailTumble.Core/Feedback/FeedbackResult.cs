namespace MailTumble.Core.Feedback;

/// <summary>What processing some feedback did.</summary>
/// <param name="Applied">Events counted against an alias.</param>
/// <param name="Duplicates">Events already processed before (counted once).</param>
/// <param name="Unattributed">Events that could not be tied to a delivery of ours (ignored).</param>
public sealed record FeedbackResult(int Applied, int Duplicates, int Unattributed)
{
    /// <summary>Nothing happened.</summary>
    public static FeedbackResult None { get; } = new(0, 0, 0);

    /// <summary>Adds two results.</summary>
    public static FeedbackResult operator +(FeedbackResult left, FeedbackResult right) =>
        new(left.Applied + right.Applied, left.Duplicates + right.Duplicates, left.Unattributed + right.Unattributed);

    /// <summary>Adds two results.</summary>
    public static FeedbackResult Add(FeedbackResult left, FeedbackResult right) => left + right;

    /// <inheritdoc />
    public override string ToString() => $"applied={Applied} duplicates={Duplicates} unattributed={Unattributed}";
}
