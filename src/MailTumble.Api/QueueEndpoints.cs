using MailTumble.Core;
using MailTumble.Core.Delivery;
using MailTumble.Core.Queue;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace MailTumble.Api;

/// <summary>Queue statistics and dead-letter routes.</summary>
internal static class QueueEndpoints
{
    public static IEndpointRouteBuilder MapQueueEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/queue/stats", async ([FromServices] IOutgoingQueue queue, [FromServices] IDeliveryStatusStore? statusStore, [FromServices] TimeProvider time, CancellationToken ct) =>
        {
            var stats = await queue.GetStatsAsync(ct).ConfigureAwait(false);
            var status = statusStore is null ? null : await statusStore.LoadAsync(ct).ConfigureAwait(false);
            var live = status is not null && status.IsLive(time.GetUtcNow());
            return Results.Ok(new
            {
                depth = stats.Depth,
                ready = stats.Ready,
                in_flight = stats.InFlight,
                deferred = stats.Deferred,
                dead_letters = stats.DeadLetters,
                sent_last_minute = stats.SentLastMinute,
                send_out = live ? new
                {
                    rate = status!.Rate,
                    max_rate = status.MaxRate,
                    concurrency = status.Concurrency,
                    sent_last_minute = status.SentLastMinute,
                    throttled_last_minute = status.ThrottledLastMinute,
                    failed_last_minute = status.FailedLastMinute,
                    daily_quota = status.DailyQuota,
                    daily_used = status.DailyUsed,
                    paused_until = status.PausedUntil,
                    pause_reason = status.PauseReason,
                    seconds_to_drain = status.EstimatedDrain(stats.Ready + stats.InFlight)?.TotalSeconds,
                } : null,
            });
        }).WithName("QueueStats").WithSummary("Queue depth, dead letters and the send-out stage's rate, throttling and time to drain.");

        app.MapGet("/dlq", async (int? limit, [FromServices] IOutgoingQueue queue, CancellationToken ct) =>
        {
            var list = await queue.ListDeadAsync(Math.Clamp(limit ?? 100, 1, 1000), ct).ConfigureAwait(false);
            return Results.Ok(list.Select(Document));
        }).WithName("ListDeadLetters").WithSummary("Dead letters, newest first.");

        app.MapGet("/dlq/{id}", async (string id, [FromServices] IDeadLetterAdmin? admin, CancellationToken ct) =>
        {
            var dead = admin is null ? null : await admin.GetDeadAsync(id, ct).ConfigureAwait(false);
            return dead is null ? Results.Problem(statusCode: 404, title: "No such dead letter", detail: id) : Results.Ok(Document(dead));
        }).WithName("GetDeadLetter").WithSummary("One dead letter with its reason and rewritten headers.");

        app.MapPost("/dlq/replay", async (ReplayRequest body, [FromServices] IOutgoingQueue queue, CancellationToken ct) =>
        {
            if (body.All != true && (body.Ids is null || body.Ids.Count == 0))
            {
                return Results.Problem(statusCode: 400, title: "Nothing to replay", detail: "give 'ids' or 'all': true");
            }

            var count = await queue.ReplayDeadAsync(body.All == true ? null : body.Ids, ct).ConfigureAwait(false);
            return Results.Ok(new { replayed = count });
        }).WithName("ReplayDeadLetters").WithSummary("Queues dead letters again.");

        app.MapDelete("/dlq", async (string? older_than, [FromServices] DeadLetterPurge purge, CancellationToken ct) =>
        {
            if (!Duration.TryParse(older_than, out var age))
            {
                return Results.Problem(statusCode: 400, title: "Invalid age", detail: "older_than must be a duration such as 7d, 12h or 30m");
            }

            if (!purge.Supported)
            {
                return Results.Problem(statusCode: 405, title: "Not supported", detail: "this queue backend does not support purging dead letters");
            }

            var (purged, released) = await purge.PurgeAsync(age, ct).ConfigureAwait(false);
            return Results.Ok(new { purged, released_messages = released });
        }).WithName("PurgeDeadLetters").WithSummary("Deletes dead letters older than an age, with their stored messages.");

        return app;
    }

    private static object Document(DeadLetter d) => new
    {
        id = d.Item.Id,
        message = d.Item.MessageKey,
        alias = d.Item.Alias,
        recipient = d.Item.Recipient,
        attempts = d.Attempts,
        reason = d.Reason,
        received_at = d.Item.ReceivedAt,
        dead_at = d.DeadAt,
        headers = System.Text.Encoding.UTF8.GetString(d.Item.Headers.Span),
    };
}
