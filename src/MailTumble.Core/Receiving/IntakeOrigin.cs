namespace MailTumble.Core.Receiving;

/// <summary>Where a message came in; decides what a refused recipient does to the rest of the message.</summary>
public enum IntakeOrigin
{
    /// <summary>
    /// The SMTP listener. Each recipient was answered at <c>RCPT</c> time, so a refused one is simply not part of the
    /// message; the rest is accepted.
    /// </summary>
    Smtp,

    /// <summary>
    /// <c>mailtumble receive</c> (an MTA pipe transport): one exit code answers for every recipient, so a temporary
    /// refusal of any recipient defers the whole message and a permanent one refuses it.
    /// </summary>
    Pipe,

    /// <summary>
    /// SES ingress: SES has already accepted the mail, so a permanently refused recipient is only logged, while a
    /// temporary refusal defers the whole notification (it comes back later) rather than lose that recipient.
    /// </summary>
    Ses,
}
