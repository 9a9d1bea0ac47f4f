namespace MailTumble.Core.Feedback;

/// <summary>Port: yields bounce, complaint and delivery events from somewhere (a queue, a file).</summary>
public interface IFeedbackSource
{
    /// <summary>Reads events until the source is exhausted or cancelled.</summary>
    IAsyncEnumerable<FeedbackEvent> ReadAsync(CancellationToken cancellationToken);
}
