using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Moderation;

/// <summary>Every <see cref="ModerationOptions.SweepInterval"/>, applies the expiry action to held mail past its TTL.</summary>
public sealed partial class HeldExpiryService : BackgroundService
{
    private readonly Moderator _moderator;
    private readonly ModerationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<HeldExpiryService> _logger;

    /// <summary>Creates the sweeper.</summary>
    public HeldExpiryService(Moderator moderator, IOptions<ModerationOptions> options, TimeProvider time, ILogger<HeldExpiryService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _moderator = moderator;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.SweepInterval, _time);
        try
        {
            do
            {
                try
                {
                    var expired = await _moderator.ExpireAsync(stoppingToken).ConfigureAwait(false);
                    if (expired > 0)
                    {
                        LogExpired(_logger, expired, _options.ExpiryAction.ToString().ToLowerInvariant());
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogSweepFailed(_logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 1130, Level = LogLevel.Information, Message = "Held mail expired: {Count} deliveries, action {Action}")]
    private static partial void LogExpired(ILogger logger, int count, string action);

    [LoggerMessage(EventId = 1131, Level = LogLevel.Error, Message = "Held mail expiry sweep failed; trying again at the next interval")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
