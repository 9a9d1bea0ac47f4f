using System.Buffers;
using System.Text;
using MailTumble.Core;
using MailTumble.Core.Delivery;
using MailTumble.Core.Directory;
using MailTumble.Core.Queue;
using MailTumble.Core.Receiving;
using MailTumble.Core.Sending;
using MailTumble.Hosting;
using MailTumble.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Tests;

/// <summary>
/// The queue lifetime (<c>MailTumble:MaxQueueLifetime</c>, 5 days) on a fake clock, over the real SQLite queue and
/// file store, with the real send-out stage and a provider that answers 4xx for ever.
/// </summary>
public sealed class QueueLifetimeTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_delivery_that_keeps_failing_temporarily_is_retried_for_five_days_then_dead_lettered_with_the_reason()
    {
        var sender = new AlwaysDeferringSender();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_time);
        services.AddMailTumbleRelay(MailTumbleConfiguration.Build(new Dictionary<string, string?> { ["MailTumble:DataDir"] = _dir.Path }));
        services.AddMailTumbleDelivery();
        services.AddSingleton<IMailSender>(sender);
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<IAliasAdmin>().UpsertAsync("x7g2@mask.example.com", "john@real.example.org", default);
        var alias = new AliasRecord("x7g2@mask.example.com", "john@real.example.org", AliasStatus.Active);
        await provider.GetRequiredService<MessageReceiver>().ReceiveAsync(
            "shop@brand.example", [alias], new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("From: shop@brand.example\r\nSubject: stuck\r\n\r\nbody\r\n")), default);
        var expires = _time.GetUtcNow() + TimeSpan.FromDays(5);

        var queue = provider.GetRequiredService<IOutgoingQueue>();
        var delivery = provider.GetRequiredService<DeliveryService>();
        await delivery.StartAsync(default);
        try
        {
            // Step the clock from one retry to the next, up to the lifetime: every retry is tried and fails again.
            await QuietAsync(queue);
            while (await queue.NextDueAsync(default) is { } next && next < expires)
            {
                _time.SetUtcNow(next);
                await QuietAsync(queue);
            }

            // Backoff grows to RetryMax (1 hour), so five days hold well over a hundred attempts, none of them fatal.
            Assert.True(sender.Attempts > 100, $"only {sender.Attempts} attempts in five days");
            _time.SetUtcNow(expires - TimeSpan.FromSeconds(1));
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

    /// <summary>Waits until nothing is due or leased: the send-out stage has dealt with everything the clock allows.</summary>
    private static async Task QuietAsync(IOutgoingQueue queue)
    {
        for (var i = 0; i < 1000; i++)
        {
            var stats = await queue.GetStatsAsync(default);
            if (stats.Ready == 0 && stats.InFlight == 0)
            {
                return;
            }

            await Task.Delay(10);
        }

        Assert.Fail("the send-out stage did not take the due item");
    }

    private static async Task<DeadLetter> WaitForDeadAsync(IOutgoingQueue queue)
    {
        for (var i = 0; i < 1000; i++)
        {
            if ((await queue.ListDeadAsync(10, default)).SingleOrDefault() is { } dead)
            {
                return dead;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException("the expired delivery was not dead-lettered");
    }

    public void Dispose() => _dir.Dispose();

    private sealed class AlwaysDeferringSender : IMailSender
    {
        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        public string Describe() => "a provider that always defers";

        public Task<SendResult> SendAsync(PreparedMessage message, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _attempts);
            return Task.FromResult(new SendResult(SendOutcome.TransientFailure, "451 4.3.0 mailbox temporarily unavailable"));
        }
    }
}
