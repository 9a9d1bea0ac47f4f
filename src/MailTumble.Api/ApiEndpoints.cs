using MailTumble.Core.Addressing;
using MailTumble.Core.Directory;
using MailTumble.Core.Queue;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace MailTumble.Api;

/// <summary>The API's routes.</summary>
public static class ApiEndpoints
{
    /// <summary>Maps health, alias, queue and dead-letter routes.</summary>
    public static IEndpointRouteBuilder MapMailTumbleApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Text("ok"));

        app.MapGet("/aliases/{address}", async (string address, IAliasDirectory directory, CancellationToken ct) =>
        {
            if (!MailAddress.TryParse(address, out var parsed))
            {
                return BadAddress(address);
            }

            var result = await directory.LookupAsync(parsed.Value, ct).ConfigureAwait(false);
            return result.Outcome switch
            {
                LookupOutcome.Found => Results.Ok(AliasDocument.From(result.Alias!)),
                LookupOutcome.NotFound => Results.Problem(statusCode: 404, title: "No such alias", detail: parsed.Value),
                _ => Results.Problem(statusCode: 503, title: "Directory unavailable", detail: result.Reason),
            };
        });

        app.MapGet("/aliases", async (string? prefix, int? limit, string? cursor, IAliasAdmin admin, CancellationToken ct) =>
        {
            var take = Math.Clamp(limit ?? 100, 1, 1000);
            var page = await admin.ListAsync(prefix, cursor, take, ct).ConfigureAwait(false);
            return Results.Ok(new
            {
                items = page.Select(AliasDocument.From),
                next_cursor = page.Count == take ? page[^1].Address : null,
            });
        });

        app.MapPut("/aliases/{address}", async (string address, AliasUpdate body, IAliasAdmin admin, CancellationToken ct) =>
        {
            var target = body.Email ?? body.Target;
            if (!MailAddress.TryParse(address, out var parsed))
            {
                return BadAddress(address);
            }

            if (!MailAddress.TryParse(target, out var to))
            {
                return Results.Problem(statusCode: 400, title: "Invalid target", detail: "the body must name the target address in 'email' (or 'target')");
            }

            var created = await admin.UpsertAsync(parsed.Value, to.Value, ct).ConfigureAwait(false);
            return created ? Results.Created($"/aliases/{parsed.Value}", null) : Results.NoContent();
        });

        app.MapDelete("/aliases/{address}", async (string address, IAliasAdmin admin, CancellationToken ct) =>
            await admin.RemoveAsync(address, ct).ConfigureAwait(false) ? Results.NoContent() : Results.Problem(statusCode: 404, title: "No such alias"));

        app.MapPut("/aliases/{address}/status", async (string address, StatusUpdate body, IAliasAdmin admin, CancellationToken ct) =>
        {
            if (!Enum.TryParse<AliasStatus>(body.Status, ignoreCase: true, out var status) || int.TryParse(body.Status, out _))
            {
                return Results.Problem(statusCode: 400, title: "Invalid status", detail: "status must be active, held, dead or disabled");
            }

            return await admin.SetStatusAsync(address, status, ct).ConfigureAwait(false) ? Results.NoContent() : Results.Problem(statusCode: 404, title: "No such alias");
        });

        app.MapGet("/queue/stats", async (IOutgoingQueue queue, CancellationToken ct) =>
        {
            var stats = await queue.GetStatsAsync(ct).ConfigureAwait(false);
            return Results.Ok(new
            {
                depth = stats.Depth,
                ready = stats.Ready,
                in_flight = stats.InFlight,
                deferred = stats.Deferred,
                dead_letters = stats.DeadLetters,
                sent_last_minute = stats.SentLastMinute,
            });
        });

        app.MapGet("/dlq", async (int? limit, IOutgoingQueue queue, CancellationToken ct) =>
        {
            var list = await queue.ListDeadAsync(Math.Clamp(limit ?? 100, 1, 1000), ct).ConfigureAwait(false);
            return Results.Ok(list.Select(d => new { id = d.Item.Id, alias = d.Item.Alias, recipient = d.Item.Recipient, attempts = d.Attempts, reason = d.Reason, dead_at = d.DeadAt }));
        });

        return app;
    }

    private static IResult BadAddress(string address) =>
        Results.Problem(statusCode: 400, title: "Invalid address", detail: $"'{address}' is not a valid mail address (expected local@domain)");
}
