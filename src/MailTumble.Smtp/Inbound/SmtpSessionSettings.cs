using MailTumble.Core.Receiving;
using Microsoft.Extensions.Logging;

namespace MailTumble.Smtp.Inbound;

/// <summary>What every session of one listener shares.</summary>
internal sealed record SmtpSessionSettings(SmtpListenerOptions Options, MessageIntake Intake, string ServerName, TimeProvider Time, ILogger Logger)
{
    public string Greeting { get; } = ServerName + " ESMTP MailTumble";
}
