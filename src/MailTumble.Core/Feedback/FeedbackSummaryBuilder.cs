namespace MailTumble.Core.Feedback;

/// <summary>
/// Folds an event store's per-(type, bounce type, sub-type) counts into a <see cref="FeedbackSummary"/>, so every
/// store adapter reads its grouped rows and the counting rules live once.
/// </summary>
public sealed class FeedbackSummaryBuilder
{
    private readonly SortedDictionary<string, int> _subTypes = new(StringComparer.Ordinal);
    private int _permanent;
    private int _transient;
    private int _complaints;
    private int _deliveries;

    /// <summary>Adds <paramref name="count"/> events of one group, as stored (type and bounce type by name).</summary>
    public void Add(string type, string? bounceType, string? subType, int count)
    {
        switch (Enum.Parse<FeedbackType>(type))
        {
            case FeedbackType.Complaint:
                _complaints += count;
                break;
            case FeedbackType.Delivery:
                _deliveries += count;
                break;
            default:
                if (Enum.Parse<BounceType>(bounceType!) == BounceType.Permanent)
                {
                    _permanent += count;
                }
                else
                {
                    _transient += count;
                }

                var name = subType ?? "General";
                _subTypes[name] = _subTypes.GetValueOrDefault(name) + count;
                break;
        }
    }

    /// <summary>The summary of everything added.</summary>
    public FeedbackSummary Build() => new(_permanent, _transient, _complaints, _deliveries, _subTypes);
}
