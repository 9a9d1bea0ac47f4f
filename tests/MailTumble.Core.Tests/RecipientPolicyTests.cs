using MailTumble.Core.Bounces;
using MailTumble.Core.Aliases;
using MailTumble.Core.Receiving;
using MailTumble.Core.Rewriting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Tests;

public sealed class RecipientPolicyTests
{
    private readonly Dictionary<string, AliasRecord> _aliases = new()
    {
        ["x7g2@mask.example.com"] = new("x7g2@mask.example.com", "john@real.example.org", AliasStatus.Active),
        ["dead@mask.example.com"] = new("dead@mask.example.com", "john@real.example.org", AliasStatus.Dead),
        ["held@mask.example.com"] = new("held@mask.example.com", "john@real.example.org", AliasStatus.Held),
        ["off@mask.example.com"] = new("off@mask.example.com", "john@real.example.org", AliasStatus.Disabled),
    };

    private bool _down;

    private RecipientPolicy Policy(params string[] domains)
    {
        var options = new ReceiveOptions();
        foreach (var d in domains)
        {
            options.Domains.Add(d);
        }

        return new RecipientPolicy(new Directory(this), Options.Create(options), NullLogger<RecipientPolicy>.Instance);
    }

    [Theory]
    [InlineData("x7g2@mask.example.com", 250)]
    [InlineData("X7G2@MASK.example.com", 250)]
    [InlineData("held@mask.example.com", 250)]
    [InlineData("nobody@mask.example.com", 550)]
    [InlineData("dead@mask.example.com", 550)]
    [InlineData("off@mask.example.com", 550)]
    [InlineData("someone@other.example", 554)]
    [InlineData("x7g2%other.example@mask.example.com", 554)]
    [InlineData("\"x7g2@other.example\"@mask.example.com", 554)]
    [InlineData("other.example!x7g2@mask.example.com", 554)]
    public async Task Recipients_get_the_reply_their_status_calls_for(string address, int code)
    {
        var decision = await Policy().CheckAsync(address, default);
        Assert.Equal(code, decision.Reply.Code);
        Assert.Equal(code == 250, decision.Accepted);
    }

    [Fact]
    public async Task A_dead_alias_is_refused_with_a_reason()
    {
        var decision = await Policy().CheckAsync("dead@mask.example.com", default);
        Assert.Equal("5.1.1 <dead@mask.example.com>: Recipient address rejected: this address no longer accepts mail", decision.Reply.Text);
    }

    [Fact]
    public async Task A_directory_outage_is_451_never_a_drop()
    {
        _down = true;
        var decision = await Policy("mask.example.com").CheckAsync("x7g2@mask.example.com", default);
        Assert.Equal(451, decision.Reply.Code);
        var byDomain = await Policy().CheckAsync("x7g2@mask.example.com", default);
        Assert.Equal(451, byDomain.Reply.Code);
    }

    [Fact]
    public async Task Configured_domains_bound_what_we_accept()
    {
        Assert.Equal(554, (await Policy("other.example").CheckAsync("x7g2@mask.example.com", default)).Reply.Code);
        Assert.Equal(550, (await Policy("other.example").CheckAsync("x7g2@other.example", default)).Reply.Code);
    }

    [Theory]
    [InlineData("mask.example.com", 250)]
    [InlineData("brand-bounces.example", 250)]
    [InlineData("relay.example", 250)]
    [InlineData("other.example", 554)]
    [InlineData("gmail.com", 554)]
    public async Task A_valid_bounce_token_is_taken_only_at_a_domain_we_issue_bounce_addresses_on(string domain, int code)
    {
        var bounces = new BounceAddress("recipient-policy-test-bounce-key"u8.ToArray(), TimeSpan.FromDays(7), TimeProvider.System);
        var token = bounces.Create("0192f1a2b3c47d8e9f00112233445566", "john@real.example.org", "mask.example.com");
        var address = token[..token.IndexOf('@', StringComparison.Ordinal)] + "@" + domain;
        var options = new ReceiveOptions();
        options.Domains.Add("mask.example.com");
        var policy = new RecipientPolicy(new Directory(this), Options.Create(options), NullLogger<RecipientPolicy>.Instance, bounces,
            rewrite: Options.Create(new RewriteOptions { BounceDomain = "brand-bounces.example", FromEmail = "relay@Relay.Example" }));

        var decision = await policy.CheckAsync(address, default);
        Assert.Equal(code, decision.Reply.Code);
        if (code == 554)
        {
            Assert.Equal($"5.7.1 <{address}>: Relay access denied", decision.Reply.Text);
        }

        // A forged token at a foreign domain is not ours either: relay denied, not "invalid bounce address".
        const int First = 8; // the token's first character, after "bounces+"
        var forged = address[..First] + (address[First] == 'a' ? 'b' : 'a') + address[(First + 1)..];
        Assert.Equal(BounceStatus.Forged, bounces.Check(forged).Status);
        Assert.Equal(code == 554 ? 554 : 550, (await policy.CheckAsync(forged, default)).Reply.Code);
    }

    private sealed class Directory(RecipientPolicyTests test) : IAliasDirectory
    {
        public ValueTask<LookupResult> LookupAsync(string address, CancellationToken cancellationToken) =>
            ValueTask.FromResult(test._down
                ? LookupResult.TemporaryFailure("down")
                : test._aliases.TryGetValue(address, out var alias) ? LookupResult.Found(alias) : LookupResult.NotFound);

        public ValueTask<bool> HasDomainAsync(string domain, CancellationToken cancellationToken) =>
            test._down ? throw new IOException("down") : ValueTask.FromResult(test._aliases.Keys.Any(k => k.EndsWith("@" + domain, StringComparison.Ordinal)));
    }
}
