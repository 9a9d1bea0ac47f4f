using System.Diagnostics.Metrics;
using MailTumble.Core.Diagnostics;

namespace MailTumble.Web.Live;

/// <summary>
/// Counts send attempts by outcome from the relay's own meter (<see cref="MailTumbleMetrics"/>), so the console
/// needs no hook in the send-out stage. Only the meter of this relay's service provider is heard: several relays
/// in one process (tests) keep their counts apart.
/// </summary>
internal sealed class SendCounters : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _sent;
    private long _throttled;
    private long _failed;

    public SendCounters(IMeterFactory? meterFactory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MailTumbleMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, meterFactory)
                && instrument.Name is "mailtumble.deliveries.sent" or "mailtumble.deliveries.failed")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    /// <summary>The counts since the last call, resetting them.</summary>
    public (long Sent, long Throttled, long Failed) Take() =>
        (Interlocked.Exchange(ref _sent, 0), Interlocked.Exchange(ref _throttled, 0), Interlocked.Exchange(ref _failed, 0));

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (instrument.Name == "mailtumble.deliveries.sent")
        {
            Interlocked.Add(ref _sent, value);
            return;
        }

        foreach (var tag in tags)
        {
            if (tag is { Key: "outcome", Value: "throttled" })
            {
                Interlocked.Add(ref _throttled, value);
                return;
            }
        }

        Interlocked.Add(ref _failed, value);
    }
}
