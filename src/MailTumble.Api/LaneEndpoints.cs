using MailTumble.Core.Delivery;
using MailTumble.Core.Fairness;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace MailTumble.Api;

/// <summary><c>GET /queue/lanes</c>: the fair-share lanes, deepest first.</summary>
internal static class LaneEndpoints
{
    public static RouteGroupBuilder MapLaneEndpoints(this RouteGroupBuilder queue)
    {
        queue.MapGet("/lanes", LanesAsync)
            .WithName("QueueLanes").WithSummary("Fair-share lanes, deepest first: depth, ready, in flight, deferred, share of the rate, time to drain, oldest item, backpressure.")
            .ProducesProblem(400);
        return queue;
    }

    private static async Task<Results<Ok<LaneReportDocument>, ProblemHttpResult>> LanesAsync(int? top, [FromServices] LaneReporter reporter, [FromServices] IDeliveryStatusStore? statusStore, [FromServices] IOptions<DeliveryOptions> delivery, [FromServices] TimeProvider time, CancellationToken ct)
    {
        if (top is < 1 or > 10_000)
        {
            return TypedResults.Problem(statusCode: 400, title: "Invalid top", detail: "top must be between 1 and 10000");
        }

        var status = statusStore is null ? null : await statusStore.LoadAsync(ct).ConfigureAwait(false);
        var report = await reporter.BuildAsync(top ?? 20, LaneReporter.RateFrom(status, delivery.Value, time.GetUtcNow()), ct).ConfigureAwait(false);
        return TypedResults.Ok(LaneReportDocument.From(report));
    }
}
