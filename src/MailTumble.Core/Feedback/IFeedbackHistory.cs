namespace MailTumble.Core.Feedback;

/// <summary>Port: the recorded feedback events, newest first, for the operator console.</summary>
public interface IFeedbackHistory
{
    /// <summary>
    /// Up to <paramref name="limit"/> events, newest first: for one alias, or every alias when <paramref name="alias"/>
    /// is null; only the given <paramref name="types"/> when that is not empty.
    /// </summary>
    Task<IReadOnlyList<StoredFeedback>> ListRecentAsync(string? alias, IReadOnlyCollection<FeedbackType> types, int limit, CancellationToken cancellationToken);
}
