using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace MailTumble.Core.Aliases;

/// <summary>
/// The one resilience policy for every alias directory driver, put around the driver by the host: a timeout per call
/// (inside) and a circuit breaker (outside, so timeouts count as failures), with the settings of
/// <see cref="DirectoryResilienceOptions"/>. A lookup that times out, throws, or finds the circuit open becomes a
/// <see cref="LookupOutcome.TemporaryFailure"/> (RCPT answers 451, send-out retries); a domain check that cannot be answered
/// throws <see cref="AliasDirectoryUnavailableException"/> (also 451). A driver's own temporary failures count towards
/// opening the circuit. The caller's own cancellation is passed on as cancellation, never as an outage. The timeout is
/// cooperative: it cancels the driver's token (every network driver passes it to its client).
/// </summary>
public sealed partial class ResilientAliasDirectory : IAliasDirectory, IVersionedAliasDirectory
{
    private readonly IAliasDirectory _inner;
    private readonly IVersionedAliasDirectory? _versioned;
    private readonly string _name;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _pipeline;

    /// <summary>Puts the policy around <paramref name="inner"/>; <paramref name="name"/> (the driver, e.g. <c>mysql</c>) starts every failure's reason.</summary>
    public ResilientAliasDirectory(IAliasDirectory inner, string name, IOptions<DirectoryResilienceOptions> options, TimeProvider time, ILogger<ResilientAliasDirectory> logger)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        _inner = inner;
        _versioned = inner as IVersionedAliasDirectory;
        _name = name;
        _timeout = settings.Timeout;
        _logger = logger;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome switch
                {
                    // The caller giving up says nothing about the driver.
                    { Exception: OperationCanceledException } when args.Context.CancellationToken.IsCancellationRequested => false,
                    { Exception: not null } => true,
                    { Result: LookupResult { Outcome: LookupOutcome.TemporaryFailure } } => true,
                    _ => false,
                }),
                FailureRatio = settings.BreakerFailureRatio,
                MinimumThroughput = settings.BreakerMinimumThroughput,
                SamplingDuration = settings.BreakerSamplingDuration,
                BreakDuration = settings.BreakerBreakDuration,
                OnOpened = args =>
                {
                    LogOpened(_logger, _name, args.BreakDuration);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    LogClosed(_logger, _name);
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(settings.Timeout)
            .Build();
    }

    /// <summary>The driver inside.</summary>
    public IAliasDirectory Inner => _inner;

    /// <summary>The driver's version when it has one (a reloaded map file); otherwise it never moves.</summary>
    public long Version => _versioned?.Version ?? 0;

    /// <inheritdoc />
    public async ValueTask<LookupResult> LookupAsync(string address, CancellationToken cancellationToken)
    {
        LookupResult result;
        try
        {
            result = await _pipeline.ExecuteAsync(
                static (state, ct) => state.Inner.LookupAsync(state.Address, ct),
                (Inner: _inner, Address: address),
                cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            return LookupResult.TemporaryFailure(Failed(address, ex));
        }

        if (result.Outcome is LookupOutcome.TemporaryFailure)
        {
            LogFailure(_logger, _name, address, result.Reason ?? "temporary failure");
        }

        return result;
    }

    /// <inheritdoc />
    public async ValueTask<bool> HasDomainAsync(string domain, CancellationToken cancellationToken)
    {
        try
        {
            return await _pipeline.ExecuteAsync(
                static (state, ct) => state.Inner.HasDomainAsync(state.Domain, ct),
                (Inner: _inner, Domain: domain),
                cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw new AliasDirectoryUnavailableException(Failed("@" + domain, ex), ex);
        }
    }

    /// <summary>The reason for a call that did not answer, logged once (an open circuit was logged when it opened).</summary>
    private string Failed(string subject, Exception exception)
    {
        switch (exception)
        {
            case BrokenCircuitException:
                return $"{_name}: circuit open after repeated failures";
            case TimeoutRejectedException:
                var reason = string.Create(CultureInfo.InvariantCulture, $"{_name}: no answer within {_timeout.TotalSeconds:0.###} s");
                LogFailure(_logger, _name, subject, "timeout");
                return reason;
            default:
                LogFailure(_logger, _name, subject, exception.Message);
                return $"{_name}: {exception.Message}";
        }
    }

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Alias directory ({Driver}) lookup for {Address} failed: {Reason}")]
    private static partial void LogFailure(ILogger logger, string driver, string address, string reason);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "Alias directory ({Driver}) keeps failing: circuit open, RCPT answers 451 at once for {BreakDuration}")]
    private static partial void LogOpened(ILogger logger, string driver, TimeSpan breakDuration);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Information, Message = "Alias directory ({Driver}) answers again: circuit closed")]
    private static partial void LogClosed(ILogger logger, string driver);
}
