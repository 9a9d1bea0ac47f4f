using System.Diagnostics.Metrics;

namespace MailTumble.Core.Diagnostics;

/// <summary>The relay's metrics (meter <c>MailTumble</c>), exported through OpenTelemetry.</summary>
public sealed class MailTumbleMetrics : IDisposable
{
    /// <summary>The meter name to subscribe to.</summary>
    public const string MeterName = "MailTumble";

    /// <summary>
    /// Bucket boundaries of <c>mailtumble.send.duration</c>, in seconds: a send to a smarthost on the LAN takes a few
    /// milliseconds, one to SES tens to hundreds, a slow provider seconds; the exporter's default boundaries
    /// (0, 5, 10, 25, … read as seconds) would put every one of them in the first bucket.
    /// </summary>
    public static readonly IReadOnlyList<double> SendDurationBuckets =
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60, 120];

    private readonly Meter _meter;
    private readonly Counter<long> _received;
    private readonly Counter<long> _receivedBytes;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _failed;
    private readonly Histogram<double> _sendLatency;
    private readonly Counter<long> _repliesRefused;

    /// <summary>Creates the instruments.</summary>
    public MailTumbleMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _received = _meter.CreateCounter<long>("mailtumble.deliveries.queued", "{delivery}", "Deliveries queued (one per message and target).");
        _receivedBytes = _meter.CreateCounter<long>("mailtumble.received.bytes", "By", "Bytes of messages accepted.");
        _sent = _meter.CreateCounter<long>("mailtumble.deliveries.sent", "{delivery}", "Deliveries the provider accepted.");
        _failed = _meter.CreateCounter<long>("mailtumble.deliveries.failed", "{delivery}", "Failed send attempts by outcome.");
        _sendLatency = _meter.CreateHistogram<double>(
            "mailtumble.send.duration",
            "s",
            "Time for one send attempt.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SendDurationBuckets });
        _repliesRefused = _meter.CreateCounter<long>("mailtumble.replies.refused", "{message}", "Mail to reverse aliases refused as not from the alias's owner.");
    }

    /// <summary>Records an accepted message.</summary>
    public void Received(int deliveries, long bytes)
    {
        _received.Add(deliveries);
        _receivedBytes.Add(bytes);
    }

    /// <summary>Records a send attempt.</summary>
    public void SendAttempt(string outcome, TimeSpan duration)
    {
        if (outcome == "sent")
        {
            _sent.Add(1);
        }
        else
        {
            _failed.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        }

        _sendLatency.Record(duration.TotalSeconds);
    }

    /// <summary>Records a reply refused as not from the alias's owner.</summary>
    public void ReplyRefused() => _repliesRefused.Add(1);

    /// <summary>Publishes the send-out stage's live rate, worker count and throttling as gauges.</summary>
    public void ObserveDelivery(Func<Delivery.DeliveryStatus> status)
    {
        _meter.CreateObservableGauge("mailtumble.send.rate", () => status().Rate, "{recipient}/s", "Send rate in force (lower while the provider throttles).");
        _meter.CreateObservableGauge("mailtumble.send.workers", () => status().Concurrency, "{worker}", "Send workers the queue depth justifies.");
        _meter.CreateObservableGauge("mailtumble.send.throttled_last_minute", () => status().ThrottledLastMinute, "{reply}", "Throttling replies in the last minute.");
    }

    /// <summary>
    /// Publishes the deepest lanes (<c>MailTumble:Fairness:MetricLanes</c> of them, so the label set stays small) as gauges
    /// labelled <c>lane</c>: depth, share of the rate, time to drain, backpressure; and the count of temporary refusals.
    /// </summary>
    public void ObserveLanes(Func<IReadOnlyList<Fairness.LaneView>> lanes, Func<long> refusals)
    {
        ArgumentNullException.ThrowIfNull(lanes);
        static KeyValuePair<string, object?> Tag(Fairness.LaneView v) => new("lane", v.Lane.Length == 0 ? "(none)" : v.Lane);
        _meter.CreateObservableGauge("mailtumble.lane.depth", () => lanes().Select(v => new Measurement<long>(v.Depth, Tag(v))), "{delivery}", "Deliveries queued in the lane (the deepest lanes).");
        _meter.CreateObservableGauge("mailtumble.lane.share", () => lanes().Select(v => new Measurement<double>(v.Share, Tag(v))), "{recipient}/s", "The lane's share of the send rate.");
        _meter.CreateObservableGauge("mailtumble.lane.drain", () => lanes().Select(v => new Measurement<double>(v.Drain?.TotalSeconds ?? 0, Tag(v))), "s", "Time the lane takes to drain at its share.");
        _meter.CreateObservableGauge("mailtumble.lane.backpressure", () => lanes().Select(v => new Measurement<int>(v.Backpressure ? 1 : 0, Tag(v))), "{lane}", "1 while the lane's new mail is refused for now.");
        _meter.CreateObservableCounter("mailtumble.lane.refused", refusals, "{reply}", "Temporary refusals (452 4.3.1 / 451 4.7.1) given to lanes under backpressure.");
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
