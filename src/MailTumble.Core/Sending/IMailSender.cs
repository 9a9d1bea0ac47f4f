namespace MailTumble.Core.Sending;

/// <summary>Port: sends one prepared message and classifies the outcome. Implementations reuse connections.</summary>
public interface IMailSender
{
    /// <summary>A short description of where mail goes, for the start-up banner.</summary>
    string Describe();

    /// <summary>
    /// Gets a connection ready before the send waits for its rate-budget slot, so connection set-up
    /// does not delay some sends and bunch them up at the provider. Failures are left to the send.
    /// </summary>
    Task WarmUpAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Sends the message, awaiting <see cref="PreparedMessage.BeforeContent"/> right before the content goes out.
    /// Never throws for provider trouble: returns a classified <see cref="SendResult"/>.
    /// </summary>
    Task<SendResult> SendAsync(PreparedMessage message, CancellationToken cancellationToken);
}
