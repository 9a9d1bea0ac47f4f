using MailTumble.Core.Aliases;
using MailTumble.Core.Receiving;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Core.Tests;

/// <summary>
/// The one resilience policy the host puts around every directory driver, on a virtual clock: a driver that hangs gets the
/// timeout reply (451 at RCPT), failures open the circuit (451 at once, the driver left alone), and a success after the
/// break closes it.
/// </summary>
public sealed class ResilientAliasDirectoryTests
{
    private const string Address = "x7g2@mask.example.com";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeDriver _driver = new();

    private ResilientAliasDirectory Directory(Action<DirectoryResilienceOptions>? configure = null)
    {
        var options = new DirectoryResilienceOptions();
        configure?.Invoke(options);
        return new ResilientAliasDirectory(_driver, "fake", Options.Create(options), _time, NullLogger<ResilientAliasDirectory>.Instance);
    }

    private static RecipientPolicy Policy(IAliasDirectory directory, bool domainsConfigured = true)
    {
        var options = new ReceiveOptions();
        if (domainsConfigured)
        {
            options.Domains.Add("mask.example.com");
        }

        return new RecipientPolicy(directory, Options.Create(options), NullLogger<RecipientPolicy>.Instance);
    }

    [Fact]
    public async Task A_hanging_lookup_gets_the_timeout_reply_and_rcpt_gets_451()
    {
        _driver.Hang = true;
        var policy = Policy(Directory(o => o.Timeout = TimeSpan.FromSeconds(5)));

        var check = policy.CheckAsync(Address, default).AsTask();
        await _driver.Entered.Task.WaitAsync(TimeSpan.FromSeconds(20));
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(check.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1));

        var decision = await check.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(451, decision.Reply.Code);
        Assert.StartsWith("4.3.0", decision.Reply.Text, StringComparison.Ordinal);
        Assert.True(_driver.SawCancellation);
    }

    [Fact]
    public async Task A_hanging_lookup_is_a_temporary_failure_naming_the_driver_and_the_timeout()
    {
        _driver.Hang = true;
        var directory = Directory(o => o.Timeout = TimeSpan.FromMilliseconds(1500));

        var lookup = directory.LookupAsync(Address, default).AsTask();
        await _driver.Entered.Task.WaitAsync(TimeSpan.FromSeconds(20));
        _time.Advance(TimeSpan.FromMilliseconds(1500));

        var result = await lookup.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal((LookupOutcome.TemporaryFailure, "fake: no answer within 1.5 s"), (result.Outcome, result.Reason));
    }

    [Fact]
    public async Task A_hanging_domain_check_is_an_outage_and_rcpt_gets_451()
    {
        _driver.Hang = true;
        var directory = Directory();

        var has = directory.HasDomainAsync("mask.example.com", default).AsTask();
        await _driver.Entered.Task.WaitAsync(TimeSpan.FromSeconds(20));
        _time.Advance(TimeSpan.FromSeconds(5));
        var error = await Assert.ThrowsAsync<AliasDirectoryUnavailableException>(() => has.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal("fake: no answer within 5 s", error.Message);

        // Without MailTumble:Domains, RCPT asks the directory whether the domain is ours first.
        _driver.Entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        var check = Policy(directory, domainsConfigured: false).CheckAsync(Address, default).AsTask();
        await _driver.Entered.Task.WaitAsync(TimeSpan.FromSeconds(20));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(451, (await check.WaitAsync(TimeSpan.FromSeconds(20))).Reply.Code);
    }

    [Fact]
    public async Task A_driver_that_throws_is_a_temporary_failure_with_its_message()
    {
        _driver.Throw = new InvalidOperationException("connection refused");

        var result = await Directory().LookupAsync(Address, default);

        Assert.Equal((LookupOutcome.TemporaryFailure, "fake: connection refused"), (result.Outcome, result.Reason));
    }

    [Fact]
    public async Task Failures_open_the_circuit_so_lookups_get_451_at_once_without_asking_the_driver()
    {
        var directory = Directory(o =>
        {
            o.BreakerMinimumThroughput = 4;
            o.BreakerFailureRatio = 0.5;
            o.BreakerBreakDuration = TimeSpan.FromSeconds(15);
        });
        _driver.Answer = LookupResult.TemporaryFailure("fake: HTTP 503");
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(LookupOutcome.TemporaryFailure, (await directory.LookupAsync(Address, default)).Outcome);
        }

        _driver.Answer = null;
        _driver.Throw = new IOException("reset by peer");
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(LookupOutcome.TemporaryFailure, (await directory.LookupAsync(Address, default)).Outcome);
        }

        Assert.Equal(4, _driver.Calls);
        _driver.Throw = null;
        var open = await directory.LookupAsync(Address, default);
        Assert.Equal((LookupOutcome.TemporaryFailure, "fake: circuit open after repeated failures"), (open.Outcome, open.Reason));
        Assert.Equal(451, (await Policy(directory).CheckAsync(Address, default)).Reply.Code);
        await Assert.ThrowsAsync<AliasDirectoryUnavailableException>(async () => await directory.HasDomainAsync("mask.example.com", default));
        Assert.Equal(4, _driver.Calls);

        // Still open until the break is over.
        _time.Advance(TimeSpan.FromSeconds(14));
        Assert.Equal(LookupOutcome.TemporaryFailure, (await directory.LookupAsync(Address, default)).Outcome);
        Assert.Equal(4, _driver.Calls);
    }

    [Fact]
    public async Task A_success_after_the_break_closes_the_circuit()
    {
        var directory = Directory(o =>
        {
            o.BreakerMinimumThroughput = 2;
            o.BreakerBreakDuration = TimeSpan.FromSeconds(15);
        });
        _driver.Throw = new IOException("down");
        await directory.LookupAsync(Address, default);
        await directory.LookupAsync(Address, default);
        Assert.Contains("circuit open", (await directory.LookupAsync(Address, default)).Reason, StringComparison.Ordinal);
        Assert.Equal(2, _driver.Calls);

        // The break is over: one trial call goes through, succeeds, and the circuit is closed again.
        _driver.Throw = null;
        _time.Advance(TimeSpan.FromSeconds(16));
        Assert.Equal(LookupOutcome.Found, (await directory.LookupAsync(Address, default)).Outcome);
        Assert.Equal(250, (await Policy(directory).CheckAsync(Address, default)).Reply.Code);
        Assert.True(await directory.HasDomainAsync("mask.example.com", default));
        Assert.Equal(5, _driver.Calls);

        // Closed means counting afresh: one failure alone does not open it again.
        _driver.Throw = new IOException("blip");
        Assert.Equal("fake: blip", (await directory.LookupAsync(Address, default)).Reason);
        _driver.Throw = null;
        Assert.Equal(LookupOutcome.Found, (await directory.LookupAsync(Address, default)).Outcome);
        Assert.Equal(7, _driver.Calls);
    }

    [Fact]
    public async Task A_failed_trial_after_the_break_opens_the_circuit_again()
    {
        var directory = Directory(o =>
        {
            o.BreakerMinimumThroughput = 2;
            o.BreakerBreakDuration = TimeSpan.FromSeconds(15);
        });
        _driver.Throw = new IOException("down");
        await directory.LookupAsync(Address, default);
        await directory.LookupAsync(Address, default);

        _time.Advance(TimeSpan.FromSeconds(16));
        Assert.Equal("fake: down", (await directory.LookupAsync(Address, default)).Reason);
        Assert.Equal(3, _driver.Calls);
        Assert.Contains("circuit open", (await directory.LookupAsync(Address, default)).Reason, StringComparison.Ordinal);
        Assert.Equal(3, _driver.Calls);
    }

    [Fact]
    public async Task The_callers_own_cancellation_is_cancellation_and_never_opens_the_circuit()
    {
        var directory = Directory(o => o.BreakerMinimumThroughput = 2);
        _driver.Hang = true;
        for (var i = 0; i < 4; i++)
        {
            using var cancel = new CancellationTokenSource();
            _driver.Entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
            var lookup = directory.LookupAsync(Address, cancel.Token).AsTask();
            await _driver.Entered.Task.WaitAsync(TimeSpan.FromSeconds(20));
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => lookup.WaitAsync(TimeSpan.FromSeconds(20)));
        }

        _driver.Hang = false;
        Assert.Equal(LookupOutcome.Found, (await directory.LookupAsync(Address, default)).Outcome);
        Assert.Equal(5, _driver.Calls);
    }

    [Fact]
    public void A_versioned_driver_keeps_its_version_visible_to_the_cache()
    {
        var map = new VersionedDriver { Version = 7 };
        var directory = new ResilientAliasDirectory(map, "map", Options.Create(new DirectoryResilienceOptions()), _time, NullLogger<ResilientAliasDirectory>.Instance);
        Assert.Equal(7, directory.Version);
        map.Version = 8;
        Assert.Equal(8, ((IVersionedAliasDirectory)directory).Version);
        Assert.Equal(0, Directory().Version);
    }

    [Theory]
    [InlineData("Timeout", "00:10:00", "MailTumble:Directory:Resilience:Timeout must be between 00:00:00.010 and 00:05:00")]
    [InlineData("BreakerFailureRatio", "2", "MailTumble:Directory:Resilience:BreakerFailureRatio must be between 0.01 and 1")]
    [InlineData("BreakerMinimumThroughput", "1", "MailTumble:Directory:Resilience:BreakerMinimumThroughput must be between 2 and 10000")]
    [InlineData("BreakerBreakDuration", "00:00:00.100", "MailTumble:Directory:Resilience:BreakerBreakDuration must be between 00:00:00.500 and 01:00:00")]
    public void Settings_out_of_range_are_refused_naming_the_setting(string property, string value, string message)
    {
        var options = new DirectoryResilienceOptions();
        var type = typeof(DirectoryResilienceOptions).GetProperty(property)!;
        type.SetValue(options, type.PropertyType == typeof(TimeSpan) ? TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : Convert.ChangeType(value, type.PropertyType, System.Globalization.CultureInfo.InvariantCulture));

        var result = new DirectoryResilienceOptionsValidator().Validate(null, options);

        Assert.Equal([message], result.Failures!);
    }

    [Fact]
    public void A_value_read_from_an_older_setting_is_refused_under_that_name()
    {
        var options = new DirectoryResilienceOptions { Timeout = TimeSpan.FromMinutes(10) };
        options.Sources[nameof(options.Timeout)] = "MailTumble:Directory:Rest:Timeout";

        var result = new DirectoryResilienceOptionsValidator().Validate(null, options);

        Assert.StartsWith("MailTumble:Directory:Rest:Timeout must be between", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    /// <summary>A driver that answers, fails, throws or hangs (honouring its token, as every network driver does) on demand.</summary>
    private sealed class FakeDriver : IAliasDirectory
    {
        private int _calls;

        public bool Hang { get; set; }

        public Exception? Throw { get; set; }

        public LookupResult? Answer { get; set; }

        public bool SawCancellation { get; private set; }

        public TaskCompletionSource Entered { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Calls => Volatile.Read(ref _calls);

        public async ValueTask<LookupResult> LookupAsync(string address, CancellationToken cancellationToken)
        {
            await EnterAsync(cancellationToken);
            return Answer ?? LookupResult.Found(new AliasRecord(address, "john@real.example.org", AliasStatus.Active));
        }

        public async ValueTask<bool> HasDomainAsync(string domain, CancellationToken cancellationToken)
        {
            await EnterAsync(cancellationToken);
            return true;
        }

        private async Task EnterAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            Entered.TrySetResult();
            if (Hang)
            {
                try
                {
                    await new TaskCompletionSource().Task.WaitAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    SawCancellation = true;
                    throw;
                }
            }

            if (Throw is { } error)
            {
                throw error;
            }
        }
    }

    private sealed class VersionedDriver : IAliasDirectory, IVersionedAliasDirectory
    {
        public long Version { get; set; }

        public ValueTask<LookupResult> LookupAsync(string address, CancellationToken cancellationToken) => ValueTask.FromResult(LookupResult.NotFound);

        public ValueTask<bool> HasDomainAsync(string domain, CancellationToken cancellationToken) => ValueTask.FromResult(true);
    }
}
