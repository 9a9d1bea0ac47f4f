namespace MailTumble.Core.Receiving;

/// <summary>The intake's answer for one message.</summary>
/// <param name="Reply">
/// The one reply for the message: <c>250</c> when accepted (durable), <c>4xx</c> when nothing was accepted and the
/// sender should try again, <c>5xx</c> when it is refused for good.
/// </param>
/// <param name="MessageKey">The raw store key when the message was accepted and stored (not when every recipient dropped it silently), else null.</param>
/// <param name="Recipients">Per recipient, what was done, in the order given.</param>
public sealed record IntakeResult(SmtpReply Reply, string? MessageKey, IReadOnlyList<RecipientOutcome> Recipients)
{
    /// <summary>Whether the message was accepted.</summary>
    public bool Accepted => Reply.IsSuccess;
}
