using MailTumble.Core.Queue;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MailTumble.Web.Live;

/// <summary>
/// The charts' memory: once a second it records sends, throttling replies, failures, depth and rate into a ring of the
/// last 15 minutes, and folds each minute into a ring of the last 24 hours. In process, so no time-series database.
/// While the queue is empty and nothing is enqueued or sent in this process, the depth is asked every 10 s only.
/// </summary>
internal sealed partial class LiveHistory(SendCounters counters, IServiceProvider services, TimeProvider time, ILogger<LiveHistory> logger) : BackgroundService
{
    public const int Seconds = 15 * 60;

    public const int Minutes = 24 * 60;

    /// <summary>How long an empty queue goes unasked while nothing happens here (mail queued by another process shows up this late).</summary>
    private static readonly TimeSpan IdleRequery = TimeSpan.FromSeconds(10);

    private readonly Lock _minuteLock = new();
    private long _minuteStart = -1;
    private long _minuteSent;
    private long _minuteThrottled;
    private long _minuteFailed;
    private long _minuteDepth;
    private string? _lastFailure;
    private long _depth = -1;
    private long _queriedAt;
    private Task? _activity;

    public RingBuffer PerSecond { get; } = new(Seconds);

    public RingBuffer PerMinute { get; } = new(Minutes);

    /// <summary>Sent, throttled and failed per second, averaged over the last <paramref name="seconds"/> recorded.</summary>
    public (double Sent, double Throttled, double Failed) RecentRates(int seconds)
    {
        var last = PerSecond.Last;
        if (last is null)
        {
            return (0, 0, 0);
        }

        var recent = PerSecond.Since(last.At - seconds);
        return recent.Count == 0 ? (0, 0, 0)
            : (recent.Sum(s => s.Sent) / (double)recent.Count, recent.Sum(s => s.Throttled) / (double)recent.Count, recent.Sum(s => s.Failed) / (double)recent.Count);
    }

    /// <summary>Takes one sample now (the timer calls this every second).</summary>
    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        var status = services.GetService<Core.Delivery.DeliveryService>()?.Status;
        var (sent, throttled, failed) = counters.Take();
        long depth;
        if (_depth == 0 && sent + throttled + failed == 0 && _activity is { IsCompleted: false } && time.GetElapsedTime(_queriedAt) < IdleRequery)
        {
            // Empty at the last look and nothing enqueued or sent here since: still empty, without asking the queue.
            depth = 0;
        }
        else
        {
            _activity = services.GetService<QueueSignal>()?.Activity;
            var queued = await services.GetRequiredService<IOutgoingQueue>().GetDepthAsync(cancellationToken).ConfigureAwait(false);
            _queriedAt = time.GetTimestamp();
            depth = _depth = queued.Total;
        }

        var at = time.GetUtcNow().ToUnixTimeSeconds();
        var sample = new LiveSample(at, sent, throttled, failed, depth, Math.Round(status?.Rate ?? 0, 2));
        PerSecond.Add(sample);
        Fold(sample);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await SampleAsync(stoppingToken).ConfigureAwait(false);
                    _lastFailure = null;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Once per cause, not once a second while the queue's backend is down; an outage of that backend
                    // (QueueUnavailableException) is the send-out's one line.
                    if (_lastFailure != ex.Message && ex is not MailTumble.Core.Queue.QueueUnavailableException)
                    {
                        _lastFailure = ex.Message;
                        LogSampleFailed(logger, ex.Message);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Fold(LiveSample sample)
    {
        var minute = sample.At - (sample.At % 60);
        LiveSample? done = null;
        lock (_minuteLock)
        {
            if (_minuteStart != minute)
            {
                if (_minuteStart >= 0)
                {
                    done = new LiveSample(_minuteStart, _minuteSent, _minuteThrottled, _minuteFailed, _minuteDepth, sample.Rate);
                }

                (_minuteStart, _minuteSent, _minuteThrottled, _minuteFailed, _minuteDepth) = (minute, 0, 0, 0, 0);
            }

            _minuteSent += sample.Sent;
            _minuteThrottled += sample.Throttled;
            _minuteFailed += sample.Failed;
            _minuteDepth = Math.Max(_minuteDepth, sample.Depth);
        }

        if (done is not null)
        {
            PerMinute.Add(done);
        }
    }

    /// <summary>The minute in progress, so the 24-hour chart shows the current minute too.</summary>
    public LiveSample? CurrentMinute
    {
        get
        {
            lock (_minuteLock)
            {
                return _minuteStart < 0 ? null : new LiveSample(_minuteStart, _minuteSent, _minuteThrottled, _minuteFailed, _minuteDepth, PerSecond.Last?.Rate ?? 0);
            }
        }
    }

    [LoggerMessage(EventId = 9000, Level = LogLevel.Warning, Message = "Console chart sample failed: {Reason}")]
    private static partial void LogSampleFailed(ILogger logger, string reason);
}
