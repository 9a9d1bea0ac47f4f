using MailTumble.Core.Pacing;

namespace MailTumble.Core.Tests;

internal static class SendPacerTestExtensions
{
    /// <summary>Admits a release now (<see cref="SendPacer.Admit"/>) of a send that is over as it leaves.</summary>
    public static TimeSpan? AdmitOver(this SendPacer pacer)
    {
        var later = pacer.Admit();
        if (later is null)
        {
            pacer.Completed();
        }

        return later;
    }
}
