using MailTumble.Core.Receiving;
using MailTumble.Core.Storage;
using Microsoft.Extensions.Logging;

namespace MailTumble.Smtp.Inbound;

/// <summary>What every session of one listener shares.</summary>
internal sealed record SmtpSessionSettings(SmtpListenerOptions Options, MessageIntake Intake, IRawStore Raw, string ServerName, TimeProvider Time, ILogger Logger)
{
    public string Greeting { get; } = ServerName + " ESMTP MailTumble";
}
