namespace MailTumble.Core.Sending;

/// <summary>Port: sends one prepared message and classifies the outcome. Implementations reuse connections.</summary>
public interface IMailSender
{
    /// <summary>A short description of where mail goes, for the start-up banner.</summary>
    string Describe();

    /// <summary>Sends the message. Never throws for provider trouble: returns a classified <see cref="SendResult"/>.</summary>
    Task<SendResult> SendAsync(PreparedMessage message, CancellationToken cancellationToken);
}
