using MailTumble.Core.Queue;

namespace MailTumble.Core.Tests;

public sealed class OutageBackoffTests
{
    [Fact]
    public void Waits_double_up_to_the_cap_and_only_the_first_failure_of_an_outage_or_a_new_reason_is_reported()
    {
        var backoff = new OutageBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
        var reports = new List<bool>();
        var delays = new List<double>();
        for (var i = 0; i < 9; i++)
        {
            reports.Add(backoff.Fail("the SQS queue x does not exist; check QUEUE_URL", out var delay));
            delays.Add(delay.TotalSeconds);
        }

        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60, 60], delays);
        Assert.Equal([true, false, false, false, false, false, false, false, false], reports);
        Assert.True(backoff.Fail("access denied; check QUEUE_URL", out _), "a different reason is worth a line");

        // It works again: said once, and the next outage starts from the first wait again.
        Assert.True(backoff.Succeed());
        Assert.False(backoff.Succeed());
        Assert.True(backoff.Fail("the SQS queue x does not exist; check QUEUE_URL", out var again));
        Assert.Equal(TimeSpan.FromSeconds(1), again);
    }

    [Fact]
    public void A_thousand_failures_stay_at_the_cap()
    {
        var backoff = new OutageBackoff();
        var last = TimeSpan.Zero;
        for (var i = 0; i < 1000; i++)
        {
            backoff.Fail("down", out last);
        }

        Assert.Equal(TimeSpan.FromMinutes(1), last);
    }
}
