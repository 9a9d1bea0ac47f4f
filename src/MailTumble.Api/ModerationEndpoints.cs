using MailTumble.Core.Moderation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace MailTumble.Api;

/// <summary>Moderation routes: <c>/held</c> and <c>/senders</c>.</summary>
internal static class ModerationEndpoints
{
    public static IEndpointRouteBuilder MapModerationApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/held", async (string? alias, string? sender, double? older_than_seconds, int? limit, bool? decided, [FromServices] IHeldStore? held, TimeProvider time, CancellationToken ct) =>
        {
            if (held is null)
            {
                return NotConfigured();
            }

            if (!TryQuery(null, alias, sender, older_than_seconds, time, out var query, out var problem))
            {
                return problem!;
            }

            var list = await held.ListAsync(query with { Limit = Math.Clamp(limit ?? 100, 1, 10_000), IncludeDecided = decided ?? false }, ct).ConfigureAwait(false);
            return Results.Ok(list.Select(Document));
        })
        .WithName("ListHeld").WithSummary("Lists held mail, oldest first.");

        app.MapGet("/held/{id}", async (string id, [FromServices] Moderator? moderator, CancellationToken ct) =>
        {
            if (moderator is null)
            {
                return NotConfigured();
            }

            var details = await moderator.ShowAsync(id, 2000, ct).ConfigureAwait(false);
            return details is null
                ? Results.Problem(statusCode: 404, title: "No such held message", detail: id)
                : Results.Ok(new { message = Document(details.Message), headers = details.Headers, preview = details.Preview });
        })
        .WithName("ShowHeld").WithSummary("One held message with its decision, original headers and a text preview.");

        app.MapPost("/held/approve", (HttpRequest request, [FromServices] Moderator? moderator, TimeProvider time, CancellationToken ct) => DecideAsync(request, moderator, time, approve: true, ct))
            .WithName("ApproveHeld").WithSummary("Queues held mail at once, ahead of bulk mail.");
        app.MapPost("/held/reject", (HttpRequest request, [FromServices] Moderator? moderator, TimeProvider time, CancellationToken ct) => DecideAsync(request, moderator, time, approve: false, ct))
            .WithName("RejectHeld").WithSummary("Rejects held mail; it is never sent.");

        app.MapGet("/senders", async (string? alias, [FromServices] ISenderRuleStore? rules, CancellationToken ct) =>
            rules is null ? NotConfigured() : Results.Ok((await rules.ListAsync(alias?.Trim(), ct).ConfigureAwait(false)).Select(r => new
            {
                sender = r.Pattern,
                alias = r.Alias,
                action = r.Action.ToString().ToLowerInvariant(),
                silent = r.Silent,
                created_at = r.CreatedAt,
                created_by = r.CreatedBy,
                note = r.Note,
            })))
            .WithName("ListSenderRules").WithSummary("Lists sender rules (global and, with ?alias=, that alias's).");

        app.MapPut("/senders", async (HttpRequest request, [FromServices] ISenderRuleStore? rules, ModerationAudit audit, TimeProvider time, CancellationToken ct) =>
        {
            if (rules is null)
            {
                return NotConfigured();
            }

            var (body, problem) = await ApiEndpoints.ReadBodyAsync<SenderRuleRequest>(request, ct).ConfigureAwait(false);
            if (problem is not null)
            {
                return problem;
            }

            if (!Enum.TryParse<SenderRuleAction>(body!.Action, ignoreCase: true, out var action) || !Enum.IsDefined(action) || int.TryParse(body.Action, out _))
            {
                return Results.Problem(statusCode: 400, title: "Invalid action", detail: "action must be hold, block or allow");
            }

            try
            {
                var rule = new SenderRule(SenderPattern.Parse(body.Sender ?? string.Empty), body.Alias?.Trim().ToLowerInvariant(), action, action == SenderRuleAction.Block && body.Silent, time.GetUtcNow(), body.By ?? "api", body.Note);
                await rules.SetAsync(rule, ct).ConfigureAwait(false);
                audit.SenderRuleSet(rule);
                return Results.NoContent();
            }
            catch (FormatException ex)
            {
                return Results.Problem(statusCode: 400, title: "Invalid sender", detail: ex.Message);
            }
        })
        .WithName("PutSenderRule").WithSummary("Creates or replaces the rule for (sender, alias).");

        app.MapPut("/senders/first-contact", async (HttpRequest request, [FromServices] ISenderRuleStore? rules, ModerationAudit audit, CancellationToken ct) =>
        {
            if (rules is null)
            {
                return NotConfigured();
            }

            var (body, problem) = await ApiEndpoints.ReadBodyAsync<FirstContactRequest>(request, ct).ConfigureAwait(false);
            if (problem is not null)
            {
                return problem;
            }

            bool? enabled;
            switch (body!.State?.Trim().ToLowerInvariant())
            {
                case "on":
                    enabled = true;
                    break;
                case "off":
                    enabled = false;
                    break;
                case "default":
                    enabled = null;
                    break;
                default:
                    return Results.Problem(statusCode: 400, title: "Invalid state", detail: "state must be on, off or default");
            }

            var alias = body.Alias?.Trim().ToLowerInvariant();
            if (alias is not null && !MailTumble.Core.Addressing.MailAddress.TryParse(alias, out _))
            {
                return Results.Problem(statusCode: 400, title: "Invalid alias", detail: $"'{body.Alias}' is not a mail address");
            }

            await rules.SetFirstContactAsync(alias, enabled, ct).ConfigureAwait(false);
            audit.FirstContactSet(alias, enabled, body.By ?? "api");
            return Results.NoContent();
        })
        .WithName("PutFirstContact").WithSummary("Turns first-contact moderation on or off for one alias or every alias (default: follow the setting).");

        app.MapDelete("/senders/{sender}", async (string sender, string? alias, string? by, [FromServices] ISenderRuleStore? rules, ModerationAudit audit, CancellationToken ct) =>
        {
            if (rules is null)
            {
                return NotConfigured();
            }

            try
            {
                var pattern = SenderPattern.Parse(sender);
                if (!await rules.RemoveAsync(pattern, alias?.Trim(), ct).ConfigureAwait(false))
                {
                    return Results.Problem(statusCode: 404, title: "No such sender rule", detail: sender);
                }

                audit.SenderRuleRemoved(pattern, alias?.Trim().ToLowerInvariant(), by ?? "api");
                return Results.NoContent();
            }
            catch (FormatException ex)
            {
                return Results.Problem(statusCode: 400, title: "Invalid sender", detail: ex.Message);
            }
        })
        .WithName("DeleteSenderRule").WithSummary("Removes the rule for (sender, alias).");

        return app;
    }

    private static async Task<IResult> DecideAsync(HttpRequest request, Moderator? moderator, TimeProvider time, bool approve, CancellationToken ct)
    {
        if (moderator is null)
        {
            return NotConfigured();
        }

        var (body, problem) = await ApiEndpoints.ReadBodyAsync<HeldDecisionRequest>(request, ct).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.Ids is not { Count: > 0 } && !body.All && body.Alias is null && body.Sender is null && body.OlderThanSeconds is null)
        {
            return Results.Problem(statusCode: 400, title: "Nothing selected", detail: "name ids, or alias, sender, older_than_seconds, or all: true");
        }

        if (!TryQuery(body.Ids is { Count: > 0 } ? body.Ids : null, body.Alias, body.Sender, body.OlderThanSeconds, time, out var query, out problem))
        {
            return problem!;
        }

        var by = body.By ?? "api";
        var count = approve
            ? await moderator.ApproveAsync(query, by, body.Reason, body.AllowSender, ct).ConfigureAwait(false)
            : await moderator.RejectAsync(query, by, body.Reason, ct).ConfigureAwait(false);
        return Results.Ok(approve ? new { approved = count } : (object)new { rejected = count });
    }

    /// <summary>The largest age a held-mail query takes: 100 years, in seconds.</summary>
    private const double MaxAgeSeconds = 100 * 365.25 * 86400;

    private static bool TryQuery(IReadOnlyList<string>? ids, string? alias, string? sender, double? olderThanSeconds, TimeProvider time, out HeldQuery query, out IResult? problem)
    {
        query = HeldQuery.All;
        problem = null;
        string? pattern = null;
        if (sender is not null)
        {
            try
            {
                pattern = SenderPattern.Parse(sender);
            }
            catch (FormatException ex)
            {
                problem = Results.Problem(statusCode: 400, title: "Invalid sender", detail: ex.Message);
                return false;
            }
        }

        if (olderThanSeconds is { } age && !(double.IsFinite(age) && age is >= 0 and <= MaxAgeSeconds))
        {
            // NaN, infinities and ages before any held mail could exist would not make a date: a clear 400, not a 500.
            problem = Results.Problem(statusCode: 400, title: "Invalid age", detail: $"older_than_seconds must be a number of seconds from 0 to {MaxAgeSeconds:0} (100 years)");
            return false;
        }

        query = new HeldQuery(ids, alias?.Trim().ToLowerInvariant(), pattern, olderThanSeconds is { } s ? time.GetUtcNow() - TimeSpan.FromSeconds(s) : null);
        return true;
    }

    private static IResult NotConfigured() =>
        Results.Problem(statusCode: 501, title: "Moderation not available", detail: "this API server runs without the relay's moderation services");

    private static object Document(HeldMessage h) => new
    {
        id = h.Id,
        received_at = h.Item.ReceivedAt,
        held_at = h.HeldAt,
        sender = h.Sender,
        envelope_sender = h.EnvelopeSender,
        alias = h.Item.Alias,
        recipient = h.Item.Recipient,
        subject = h.Subject,
        size = h.Size,
        reason = h.Reason,
        state = h.State.ToString().ToLowerInvariant(),
        decided_by = h.Decision?.By,
        decided_at = h.Decision?.At,
        decision_reason = h.Decision?.Reason,
    };
}
