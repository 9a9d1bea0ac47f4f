using MailTumble.Core.Delivery;
using MailTumble.Core.Queue;

namespace MailTumble.Tests;

/// <summary><c>queue stats</c> text: a send-out is reported running only while its published status is live.</summary>
public sealed class QueueStatsFormatTests
{
    private static readonly DateTimeOffset Published = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly QueueStats Stats = new(3, 1, 0, 0, 5);
    private static readonly DeliveryStatus Status = new(Published, 7, 14, 2, null, null, 5, 0, 0, null, 0);

    [Fact]
    public void A_fresh_status_shows_the_send_rate()
    {
        var text = Cli.QueueCommands.Format(Stats, Status, Published.AddSeconds(9));

        Assert.Contains("send rate         7/s of 14/s, 2 worker(s)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("not running", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stale_status_says_send_out_is_not_running_and_when_it_was_last_seen()
    {
        var text = Cli.QueueCommands.Format(Stats, Status, Published.AddSeconds(11));

        Assert.Contains("send-out          not running (last seen 2026-12-02 12:00:00Z)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("send rate", text, StringComparison.Ordinal);
    }
}
