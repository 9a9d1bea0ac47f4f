using MailTumble.Core;
using MailTumble.Core.Delivery;
using MailTumble.Core.Queue;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace MailTumble.Api;

/// <summary>Queue statistics (<c>/queue</c>) and dead-letter routes (<c>/dlq</c>).</summary>
internal static class QueueEndpoints
{
    public static RouteGroupBuilder MapQueueEndpoints(this RouteGroupBuilder queue)
    {
        queue.MapGet("/stats", StatsAsync)
            .WithName("QueueStats").WithSummary("Queue depth, dead letters and the send-out stage's rate, throttling and time to drain.");
        return queue;
    }

    public static RouteGroupBuilder MapDeadLetterEndpoints(this RouteGroupBuilder dlq)
    {
        dlq.MapGet(string.Empty, ListAsync)
            .WithName("ListDeadLetters").WithSummary("Dead letters, newest first.");

        dlq.MapGet("/{id}", GetAsync)
            .WithName("GetDeadLetter").WithSummary("One dead letter with its reason and rewritten headers.")
            .ProducesProblem(404);

        dlq.MapPost("/replay", ReplayAsync)
            .WithName("ReplayDeadLetters").WithSummary("Queues dead letters again.")
            .ProducesProblem(400);

        dlq.MapDelete(string.Empty, PurgeAsync)
            .WithName("PurgeDeadLetters").WithSummary("Deletes dead letters older than an age, with their stored messages.")
            .ProducesProblem(400).ProducesProblem(405);

        return dlq;
    }

    private static async Task<Ok<QueueStatsDocument>> StatsAsync([FromServices] IOutgoingQueue queue, [FromServices] IDeliveryStatusStore? statusStore, [FromServices] TimeProvider time, CancellationToken ct)
    {
        var stats = await queue.GetStatsAsync(ct).ConfigureAwait(false);
        var status = statusStore is null ? null : await statusStore.LoadAsync(ct).ConfigureAwait(false);
        var live = status is not null && status.IsLive(time.GetUtcNow());
        return TypedResults.Ok(new QueueStatsDocument(
            stats.Depth,
            stats.Ready,
            stats.InFlight,
            stats.Deferred,
            stats.DeadLetters,
            stats.SentLastMinute,
            live ? SendOutDocument.From(status!, stats.Ready + stats.InFlight) : null));
    }

    private static async Task<Ok<IReadOnlyList<DeadLetterDocument>>> ListAsync(int? limit, [FromServices] IOutgoingQueue queue, CancellationToken ct)
    {
        var list = await queue.ListDeadAsync(Math.Clamp(limit ?? 100, 1, 1000), ct).ConfigureAwait(false);
        return TypedResults.Ok<IReadOnlyList<DeadLetterDocument>>(list.Select(DeadLetterDocument.From).ToList());
    }

    private static async Task<Results<Ok<DeadLetterDocument>, ProblemHttpResult>> GetAsync(string id, [FromServices] IDeadLetterAdmin? admin, CancellationToken ct)
    {
        var dead = admin is null ? null : await admin.GetDeadAsync(id, ct).ConfigureAwait(false);
        return dead is null ? TypedResults.Problem(statusCode: 404, title: "No such dead letter", detail: id) : TypedResults.Ok(DeadLetterDocument.From(dead));
    }

    private static async Task<Results<Ok<ReplayResult>, ProblemHttpResult>> ReplayAsync(ReplayRequest body, [FromServices] IOutgoingQueue queue, CancellationToken ct)
    {
        if (body.All != true && (body.Ids is null || body.Ids.Count == 0))
        {
            return TypedResults.Problem(statusCode: 400, title: "Nothing to replay", detail: "give 'ids' or 'all': true");
        }

        var count = await queue.ReplayDeadAsync(body.All == true ? null : body.Ids, ct).ConfigureAwait(false);
        return TypedResults.Ok(new ReplayResult(count));
    }

    private static async Task<Results<Ok<PurgeResult>, ProblemHttpResult>> PurgeAsync([FromQuery(Name = "older_than")] string? olderThan, [FromServices] DeadLetterPurge purge, CancellationToken ct)
    {
        if (!Duration.TryParse(olderThan, out var age))
        {
            return TypedResults.Problem(statusCode: 400, title: "Invalid age", detail: "older_than must be a duration such as 7d, 12h or 30m");
        }

        if (!purge.Supported)
        {
            return TypedResults.Problem(statusCode: 405, title: "Not supported", detail: "this queue backend does not support purging dead letters");
        }

        var (purged, released) = await purge.PurgeAsync(age, ct).ConfigureAwait(false);
        return TypedResults.Ok(new PurgeResult(purged, released));
    }
}
