using MailTumble.Core.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace MailTumble.Tests;

/// <summary>The send-duration histogram as OpenTelemetry exports it: buckets that tell millisecond sends apart.</summary>
public sealed class SendDurationBucketsTests
{
    [Fact]
    public void Sends_of_milliseconds_land_in_buckets_of_milliseconds()
    {
        // The real SDK, with the relay's meter and no view: the boundaries come from the instrument's advice.
        var exporter = new BucketExporter();
        using var provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(MailTumbleMetrics.MeterName)
            .AddReader(new BaseExportingMetricReader(exporter))
            .Build();
        using var metrics = new MailTumbleMetrics();
        metrics.SendAttempt("sent", TimeSpan.FromMilliseconds(3));
        metrics.SendAttempt("sent", TimeSpan.FromMilliseconds(40));
        metrics.SendAttempt("throttled", TimeSpan.FromMilliseconds(300));

        Assert.True(provider.ForceFlush());

        // Other tests' relays in this process share the meter name, so counts can only grow; the bounds are the instrument's.
        Assert.Equal(MailTumbleMetrics.SendDurationBuckets, exporter.Bounds);
        Assert.True(MailTumbleMetrics.SendDurationBuckets[0] <= 0.001, "the first bucket ends at a millisecond");
        Assert.True(exporter.CountUpTo(0.005) - exporter.CountUpTo(0.0025) >= 1, "3 ms counted in (2.5 ms, 5 ms]");
        Assert.True(exporter.CountUpTo(0.05) - exporter.CountUpTo(0.025) >= 1, "40 ms counted in (25 ms, 50 ms]");
        Assert.True(exporter.CountUpTo(0.5) - exporter.CountUpTo(0.25) >= 1, "300 ms counted in (250 ms, 500 ms]");
    }

    /// <summary>Keeps the exported buckets of <c>mailtumble.send.duration</c> (read during export: the batch is reused).</summary>
    private sealed class BucketExporter : BaseExporter<Metric>
    {
        private readonly List<(double Bound, long Count)> _buckets = [];

        public IReadOnlyList<double> Bounds => _buckets.Select(b => b.Bound).Where(double.IsFinite).ToList();

        /// <summary>Sends counted in the buckets that end at or below <paramref name="bound"/>.</summary>
        public long CountUpTo(double bound) => _buckets.Where(b => b.Bound <= bound).Sum(b => b.Count);

        public override ExportResult Export(in Batch<Metric> batch)
        {
            foreach (var metric in batch)
            {
                if (metric.Name != "mailtumble.send.duration")
                {
                    continue;
                }

                _buckets.Clear();
                foreach (ref readonly var point in metric.GetMetricPoints())
                {
                    foreach (var bucket in point.GetHistogramBuckets())
                    {
                        _buckets.Add((bucket.ExplicitBound, bucket.BucketCount));
                    }
                }
            }

            return ExportResult.Success;
        }
    }
}
