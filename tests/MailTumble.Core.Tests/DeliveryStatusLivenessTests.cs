using MailTumble.Core.Delivery;

namespace MailTumble.Core.Tests;

/// <summary>Whether a published send-out status comes from a running <c>serve</c>: the one rule the CLI, the API and the console share.</summary>
public sealed class DeliveryStatusLivenessTests
{
    private static readonly DateTimeOffset Published = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0, true)]
    [InlineData(9_999, true)]
    [InlineData(10_000, false)]
    [InlineData(60_000, false)]
    public void A_status_is_live_for_ten_seconds_after_it_was_published(int millisecondsLater, bool live)
    {
        var status = new DeliveryStatus(Published, 14, 14, 1, null, null, 0, 0, 0, null, 0);

        Assert.Equal(live, status.IsLive(Published.AddMilliseconds(millisecondsLater)));
    }
}
