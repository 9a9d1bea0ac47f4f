using MailTumble.Core.Pacing;

namespace MailTumble.Core.Tests;

internal static class SendPacerTestExtensions
{
    /// <summary>Admits a release now (<see cref="SendPacer.Admit(out long)"/>) of a send that is over as it leaves.</summary>
    public static TimeSpan? Admit(this SendPacer pacer)
    {
        var later = pacer.Admit(out var release);
        pacer.Completed(release);
        return later;
    }
}
