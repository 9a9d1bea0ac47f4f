using System.Text;
using MailTumble.Core.Aliases;
using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;
using MailTumble.Core.Receiving;
using MailTumble.Hosting;
using MailTumble.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Tests;

/// <summary>Held-mail expiry on a fake clock, over the real SQLite and file stores (no listener, no send-out).</summary>
public sealed class HeldExpiryTests : IDisposable
{
    private const string Alias = "x7g2@mask.example.com";
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    private ServiceProvider Services(string action = "Reject")
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_time);
        services.AddMailTumbleRelay(MailTumbleConfiguration.Build(new Dictionary<string, string?>
        {
            ["MailTumble:DataDir"] = _dir.Path,
            ["MailTumble:Moderation:ExpiryAction"] = action,
            ["MailTumble:Moderation:SweepInterval"] = "00:01:00",
        }));
        services.AddHostedService<HeldExpiryService>();
        return services.BuildServiceProvider();
    }

    private static async Task<HeldMessage> HoldOneAsync(IServiceProvider services)
    {
        await services.GetRequiredService<IAliasAdmin>().UpsertAsync(Alias, "john@real.example.org", default);
        await services.GetRequiredService<IAliasAdmin>().SetStatusAsync(Alias, AliasStatus.Held, default);
        var result = await services.GetRequiredService<MessageIntake>().ReceiveAsync(
            new IntakeEnvelope("a@shop.example", IntakeOrigin.Pipe), [Alias], MessageSource.FromMemory(Encoding.ASCII.GetBytes("From: a@shop.example\r\nSubject: old\r\n\r\nbody\r\n")), default);
        Assert.Equal(RecipientDisposition.Held, Assert.Single(result.Recipients).Disposition);
        return Assert.Single(await services.GetRequiredService<IHeldStore>().ListAsync(HeldQuery.All, default));
    }

    private int RawFiles() => StoredCopies.Count(_dir.Path);

    [Fact]
    public async Task Held_mail_is_rejected_once_the_ttl_has_passed_and_not_before()
    {
        await using var services = Services();
        var held = await HoldOneAsync(services);
        var moderator = services.GetRequiredService<Moderator>();

        _time.Advance(TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1));
        Assert.Equal(0, await moderator.ExpireAsync(default));
        Assert.Equal(1, RawFiles());

        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await moderator.ExpireAsync(default));
        var decided = (await services.GetRequiredService<IHeldStore>().GetAsync(held.Id, default))!;
        Assert.Equal((HeldState.Rejected, "expiry"), (decided.State, decided.Decision!.By));
        Assert.Equal(0, RawFiles());
        Assert.Equal(0, (await services.GetRequiredService<IOutgoingQueue>().GetStatsAsync(default)).Depth);
    }

    [Fact]
    public async Task With_expiry_action_approve_expired_mail_is_queued_ahead_of_bulk_mail()
    {
        await using var services = Services("Approve");
        var held = await HoldOneAsync(services);
        _time.Advance(TimeSpan.FromDays(8));
        Assert.Equal(1, await services.GetRequiredService<Moderator>().ExpireAsync(default));

        var leased = Assert.Single(await services.GetRequiredService<IOutgoingQueue>().LeaseAsync(10, TimeSpan.FromMinutes(1), default));
        Assert.Equal((held.Id, Moderator.ApprovedPriority), (leased.Item.Id, leased.Item.Priority));
        Assert.True(leased.Item.ExpiresAt > _time.GetUtcNow(), "an approved delivery gets a fresh queue lifetime");
        Assert.Equal(held.Item.Headers.ToArray(), leased.Item.Headers.ToArray());

        // Held for eight days, so the original signed bounce address has expired: the queued copy has a fresh one.
        var bounces = services.GetRequiredService<MailTumble.Core.Bounces.BounceAddress>();
        Assert.NotEqual(MailTumble.Core.Bounces.BounceStatus.Valid, bounces.Check(held.Item.EnvelopeFrom, held.Item.Recipient).Status);
        Assert.Equal(MailTumble.Core.Bounces.BounceStatus.Valid, bounces.Check(leased.Item.EnvelopeFrom, held.Item.Recipient).Status);
    }

    [Fact]
    public async Task The_sweeper_runs_on_the_injected_clock()
    {
        await using var services = Services();
        var held = await HoldOneAsync(services);
        var sweeper = services.GetServices<IHostedService>().OfType<HeldExpiryService>().Single();
        await sweeper.StartAsync(default);
        try
        {
            var store = services.GetRequiredService<IHeldStore>();
            _time.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
            var state = await Eventually.ValueAsync(async () => (await store.GetAsync(held.Id, default))!.State, state => state != HeldState.Held, "the sweeper decided the expired entry");
            Assert.Equal(HeldState.Rejected, state);
        }
        finally
        {
            await sweeper.StopAsync(default);
        }
    }

    public void Dispose() => _dir.Dispose();
}
