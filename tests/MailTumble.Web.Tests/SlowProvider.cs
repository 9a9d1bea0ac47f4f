using System.Diagnostics;
using MailTumble.Testing;
using SmtpServer.Protocol;

namespace MailTumble.Web.Tests;

/// <summary>A provider stand-in that takes at most <c>perSecond</c> messages in any second and answers the rest as SES does when throttling.</summary>
internal static class SlowProvider
{
    public static TestSmtpSink Create(int perSecond)
    {
        var clock = Stopwatch.StartNew();
        var accepted = new Queue<TimeSpan>();
        var gate = new Lock();
        return new TestSmtpSink
        {
            Responder = _ =>
            {
                lock (gate)
                {
                    var now = clock.Elapsed;
                    while (accepted.Count > 0 && now - accepted.Peek() >= TimeSpan.FromSeconds(1))
                    {
                        accepted.Dequeue();
                    }

                    if (accepted.Count >= perSecond)
                    {
                        return new SmtpResponse((SmtpReplyCode)454, "Throttling failure: Maximum sending rate exceeded.");
                    }

                    accepted.Enqueue(now);
                    return null;
                }
            },
        };
    }
}
