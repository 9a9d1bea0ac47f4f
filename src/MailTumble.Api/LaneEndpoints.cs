using MailTumble.Core.Delivery;
using MailTumble.Core.Fairness;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace MailTumble.Api;

/// <summary><c>GET /queue/lanes</c>: the fair-share lanes, deepest first.</summary>
internal static class LaneEndpoints
{
    public static IEndpointRouteBuilder MapLaneEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/queue/lanes", async (int? top, [FromServices] LaneReporter reporter, [FromServices] IDeliveryStatusStore? statusStore, [FromServices] IOptions<DeliveryOptions> delivery, [FromServices] TimeProvider time, CancellationToken ct) =>
        {
            if (top is < 1 or > 10_000)
            {
                return Results.Problem(statusCode: 400, title: "Invalid top", detail: "top must be between 1 and 10000");
            }

            var status = statusStore is null ? null : await statusStore.LoadAsync(ct).ConfigureAwait(false);
            var report = await reporter.BuildAsync(top ?? 20, LaneReporter.RateFrom(status, delivery.Value, time.GetUtcNow()), ct).ConfigureAwait(false);
            return Results.Ok(new
            {
                available = report.Available,
                enabled = report.Enabled,
                lane_by = report.LaneBy,
                rate = report.Rate,
                lanes = report.Lanes,
                due_lanes = report.DueLanes,
                top = report.Rows.Select(r => new
                {
                    lane = r.Lane,
                    depth = r.Depth,
                    ready = r.Ready,
                    in_flight = r.InFlight,
                    deferred = r.Deferred,
                    bulk = r.Bulk,
                    weight = r.Weight,
                    share = report.Enabled ? r.Share : (double?)null,
                    seconds_to_drain = r.Drain?.TotalSeconds,
                    oldest_age_seconds = r.OldestAge?.TotalSeconds,
                    backpressure = r.Backpressure,
                }),
            });
        }).WithName("QueueLanes").WithSummary("Fair-share lanes, deepest first: depth, ready, in flight, deferred, share of the rate, time to drain, oldest item, backpressure.");
        return app;
    }
}
