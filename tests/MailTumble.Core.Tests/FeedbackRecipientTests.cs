using MailTumble.Core.Bounces;
using MailTumble.Core.Aliases;
using MailTumble.Core.Feedback;
using MailTumble.Core.Receiving;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Core.Tests;

/// <summary>RCPT to the signed bounce address and the complaints address.</summary>
public sealed class FeedbackRecipientTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    private RecipientPolicy Policy(BounceAddress bounces)
    {
        var feedback = new FeedbackOptions { ComplaintsAddress = "FBL@mask.example.com" };
        var receive = new ReceiveOptions();
        receive.Domains.Add("mask.example.com");
        return new RecipientPolicy(new NoAliases(), Options.Create(receive), NullLogger<RecipientPolicy>.Instance, bounces, Options.Create(feedback));
    }

    [Fact]
    public async Task Only_a_genuine_unexpired_bounce_address_and_the_complaints_address_are_taken()
    {
        var bounces = new BounceAddress("0123456789abcdef-secret"u8.ToArray(), TimeSpan.FromDays(7), _time);
        var policy = Policy(bounces);
        var address = bounces.Create(Guid.NewGuid().ToString("N"), "john@real.example.org", "mask.example.com");

        var valid = await policy.CheckAsync(address, default);
        Assert.Equal((true, address, null), (valid.Accepted, valid.FeedbackAddress, valid.Alias));
        var complaints = await policy.CheckAsync("fbl@Mask.example.com", default);
        Assert.Equal((true, "fbl@mask.example.com"), (complaints.Accepted, complaints.FeedbackAddress));

        var other = new BounceAddress("another-secret-of-16-bytes"u8.ToArray(), TimeSpan.FromDays(7), _time);
        var forged = await policy.CheckAsync(other.Create(Guid.NewGuid().ToString("N"), "john@real.example.org", "mask.example.com"), default);
        Assert.Equal((550, false), (forged.Reply.Code, forged.Accepted));
        Assert.Contains("invalid or expired bounce address", forged.Reply.Text, StringComparison.Ordinal);

        _time.Advance(TimeSpan.FromDays(8));
        var expired = await policy.CheckAsync(address, default);
        Assert.Equal((550, false), (expired.Reply.Code, expired.Accepted));

        // Not a bounce token at all: an ordinary unknown recipient.
        Assert.Contains("no such alias", (await policy.CheckAsync("bounces+hello@mask.example.com", default)).Reply.Text, StringComparison.Ordinal);
    }

    private sealed class NoAliases : IAliasDirectory
    {
        public ValueTask<LookupResult> LookupAsync(string address, CancellationToken cancellationToken) => ValueTask.FromResult(LookupResult.NotFound);

        public ValueTask<bool> HasDomainAsync(string domain, CancellationToken cancellationToken) => ValueTask.FromResult(true);
    }
}
