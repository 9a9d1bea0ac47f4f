using System.Text;
using MailTumble.Core;
using MailTumble.Core.Delivery;
using MailTumble.Core.Aliases;
using MailTumble.Core.Queue;
using MailTumble.Core.Receiving;
using MailTumble.Core.Sending;
using MailTumble.Hosting;
using MailTumble.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Tests;

/// <summary>
/// Retry timing and the queue lifetime (<c>MailTumble:MaxQueueLifetime</c>, 5 days) on a fake clock, over the real
/// SQLite queue and file store, with the real send-out stage and a provider stand-in that answers 4xx for ever.
/// </summary>
public sealed class SendOutRetryTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));

    private async Task<(ServiceProvider Provider, DateTimeOffset Expires)> StartAsync(IMailSender sender)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_time);
        services.AddMailTumbleRelay(MailTumbleConfiguration.Build(new Dictionary<string, string?> { ["MailTumble:DataDir"] = _dir.Path }));
        services.AddMailTumbleDelivery();
        services.AddSingleton(sender);
        var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<IAliasAdmin>().UpsertAsync("x7g2@mask.example.com", "john@real.example.org", default);
        var result = await provider.GetRequiredService<MessageIntake>().ReceiveAsync(
            new IntakeEnvelope("shop@brand.example", IntakeOrigin.Pipe), ["x7g2@mask.example.com"], MessageSource.FromMemory(Encoding.ASCII.GetBytes("From: shop@brand.example\r\nSubject: stuck\r\n\r\nbody\r\n")), default);
        Assert.True(result.Accepted, result.Reply.ToString());
        return (provider, _time.GetUtcNow() + TimeSpan.FromDays(5));
    }

    [Theory]
    [InlineData(450, "4.7.1 Greylisted, try again later", false)]
    [InlineData(451, "4.7.1 Please try again later", false)]
    [InlineData(454, "Throttling failure: Maximum sending rate exceeded.", true)]
    [InlineData(421, "4.7.0 Too many connections, try again later", true)]
    public async Task Greylisting_takes_the_exponential_backoff_and_only_rate_limits_are_retried_within_seconds(int code, string text, bool rateLimit)
    {
        var sender = new AlwaysDeferringSender(code, text);
        var (provider, _) = await StartAsync(sender);
        await using var owned = provider;
        var queue = provider.GetRequiredService<IOutgoingQueue>();
        var delivery = provider.GetRequiredService<DeliveryService>();
        await delivery.StartAsync(default);
        try
        {
            await QuietAsync(queue);
            Assert.Equal(1, sender.Attempts);
            var delay = (await queue.NextDueAsync(default))!.Value - _time.GetUtcNow();
            if (rateLimit)
            {
                // ThrottleRetry (2 s; less if the clock ticked on while the send was handled), and the rate is cut
                // below MAXIMUM_SEND_RATE (14).
                Assert.InRange(delay, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(2));
                Assert.True(delivery.CurrentRate < 14, $"rate still {delivery.CurrentRate}");
            }
            else
            {
                // RetryInitial (1 minute) with 20% jitter, and the rate is left alone.
                Assert.InRange(delay, TimeSpan.FromSeconds(40), TimeSpan.FromSeconds(72));
                Assert.Equal(14, delivery.CurrentRate);
            }
        }
        finally
        {
            await delivery.StopAsync(default);
        }
    }

    [Fact]
    public async Task A_delivery_that_keeps_failing_temporarily_is_retried_for_five_days_then_dead_lettered_with_the_reason()
    {
        var sender = new AlwaysDeferringSender(451, "4.3.0 mailbox temporarily unavailable");
        var (provider, expires) = await StartAsync(sender);
        await using var owned = provider;
        var queue = provider.GetRequiredService<IOutgoingQueue>();
        var delivery = provider.GetRequiredService<DeliveryService>();
        await delivery.StartAsync(default);
        try
        {
            // Step the clock from one retry to the next, up to the lifetime: every retry is tried and fails again.
            await QuietAsync(queue);
            while (await queue.NextDueAsync(default) is { } next && next < expires)
            {
                if (next > _time.GetUtcNow())
                {
                    _time.SetUtcNow(next);
                }

                await QuietAsync(queue);
            }

            // Backoff grows to RetryMax (1 hour), so five days hold well over a hundred attempts, none of them fatal.
            Assert.True(sender.Attempts > 100, $"only {sender.Attempts} attempts in five days");
            if (_time.GetUtcNow() < expires - TimeSpan.FromSeconds(1))
            {
                _time.SetUtcNow(expires - TimeSpan.FromSeconds(1));
            }

            await QuietAsync(queue);
            var before = await queue.GetStatsAsync(default);
            Assert.Equal((1L, 0L), (before.Depth, before.DeadLetters));
            Assert.Empty(await queue.ListDeadAsync(10, default));

            // The last retry was capped at the expiry time; once it is reached the item is dead-lettered without another send.
            Assert.Equal(expires, await queue.NextDueAsync(default));
            var attempts = sender.Attempts;
            _time.SetUtcNow(expires);
            var dead = await WaitForDeadAsync(queue);
            Assert.Equal(attempts, sender.Attempts);
            Assert.StartsWith("expired after 5.00:00 in the queue; last error: 451 4.3.0 mailbox temporarily unavailable", dead.Reason, StringComparison.Ordinal);
            Assert.Equal("x7g2@mask.example.com", dead.Item.Alias);
            Assert.Equal(0, (await queue.GetStatsAsync(default)).Depth);
        }
        finally
        {
            await delivery.StopAsync(default);
        }
    }

    /// <summary>
    /// Waits until nothing is due or leased: the send-out stage has dealt with everything the clock allows. The fake
    /// clock ticks on by a second now and then meanwhile, as a real one would, for a worker that went back to its idle
    /// poll just as the clock was set forward.
    /// </summary>
    private Task QuietAsync(IOutgoingQueue queue)
    {
        var probes = 0;
        return Eventually.TrueAsync(
            async () =>
            {
                var stats = await queue.GetStatsAsync(default);
                if (stats.Ready == 0 && stats.InFlight == 0)
                {
                    return true;
                }

                if (++probes % 2 == 0)
                {
                    _time.Advance(TimeSpan.FromSeconds(1));
                }

                return false;
            },
            "the send-out stage took the due item (nothing ready or leased)");
    }

    private static async Task<DeadLetter> WaitForDeadAsync(IOutgoingQueue queue) =>
        Assert.Single(await Eventually.ValueAsync(() => queue.ListDeadAsync(10, default), dead => dead.Count > 0, "the expired delivery was dead-lettered"));

    public void Dispose() => _dir.Dispose();

    /// <summary>Answers every send with the same reply, classified as the SMTP sender classifies it.</summary>
    private sealed class AlwaysDeferringSender(int code, string text) : IMailSender
    {
        private readonly ReplyClassifier _classifier = new();
        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        public string Describe() => "a provider that always defers";

        public Task<SendResult> SendAsync(PreparedMessage message, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _attempts);
            return Task.FromResult(new SendResult(_classifier.Classify(code, text), $"{code} {text}"));
        }
    }
}
