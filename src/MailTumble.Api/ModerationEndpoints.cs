using MailTumble.Core.Moderation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace MailTumble.Api;

/// <summary>Moderation routes: held mail (<c>/held</c>) and sender rules (<c>/senders</c>).</summary>
internal static class ModerationEndpoints
{
    /// <summary>The largest age a held-mail query takes: 100 years, in seconds.</summary>
    private const double MaxAgeSeconds = 100 * 365.25 * 86400;

    public static RouteGroupBuilder MapHeldEndpoints(this RouteGroupBuilder held)
    {
        held.MapGet(string.Empty, ListHeldAsync)
            .WithName("ListHeld").WithSummary("Lists held mail, oldest first.")
            .ProducesProblem(400).ProducesProblem(501);

        held.MapGet("/{id}", ShowHeldAsync)
            .WithName("ShowHeld").WithSummary("One held message with its decision, original headers and a text preview.")
            .ProducesProblem(404).ProducesProblem(501);

        held.MapPost("/approve", ApproveAsync)
            .WithName("ApproveHeld").WithSummary("Queues held mail at once, ahead of bulk mail.")
            .Accepts<HeldDecisionRequest>("application/json").ProducesProblem(400).ProducesProblem(501);

        held.MapPost("/reject", RejectAsync)
            .WithName("RejectHeld").WithSummary("Rejects held mail; it is never sent.")
            .Accepts<HeldDecisionRequest>("application/json").ProducesProblem(400).ProducesProblem(501);

        return held;
    }

    public static RouteGroupBuilder MapSenderRuleEndpoints(this RouteGroupBuilder senders)
    {
        senders.MapGet(string.Empty, ListRulesAsync)
            .WithName("ListSenderRules").WithSummary("Lists sender rules (global and, with ?alias=, that alias's).")
            .ProducesProblem(501);

        senders.MapPut(string.Empty, PutRuleAsync)
            .WithName("PutSenderRule").WithSummary("Creates or replaces the rule for (sender, alias).")
            .Accepts<SenderRuleRequest>("application/json").ProducesProblem(400).ProducesProblem(501);

        senders.MapPut("/first-contact", PutFirstContactAsync)
            .WithName("PutFirstContact").WithSummary("Turns first-contact moderation on or off for one alias or every alias (default: follow the setting).")
            .Accepts<FirstContactRequest>("application/json").ProducesProblem(400).ProducesProblem(501);

        senders.MapDelete("/{sender}", DeleteRuleAsync)
            .WithName("DeleteSenderRule").WithSummary("Removes the rule for (sender, alias).")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(501);

        return senders;
    }

    private static async Task<Results<Ok<IReadOnlyList<HeldDocument>>, ProblemHttpResult>> ListHeldAsync(string? alias, string? sender, [FromQuery(Name = "older_than_seconds")] double? olderThanSeconds, int? limit, bool? decided, [FromServices] IHeldStore? held, TimeProvider time, CancellationToken ct)
    {
        if (held is null)
        {
            return NotConfigured();
        }

        if (!TryQuery(null, alias, sender, olderThanSeconds, time, out var query, out var problem))
        {
            return problem!;
        }

        var list = await held.ListAsync(query with { Limit = Math.Clamp(limit ?? 100, 1, 10_000), IncludeDecided = decided ?? false }, ct).ConfigureAwait(false);
        return TypedResults.Ok<IReadOnlyList<HeldDocument>>(list.Select(HeldDocument.From).ToList());
    }

    private static async Task<Results<Ok<HeldDetailsDocument>, ProblemHttpResult>> ShowHeldAsync(string id, [FromServices] Moderator? moderator, CancellationToken ct)
    {
        if (moderator is null)
        {
            return NotConfigured();
        }

        var details = await moderator.ShowAsync(id, 2000, ct).ConfigureAwait(false);
        return details is null
            ? TypedResults.Problem(statusCode: 404, title: "No such held message", detail: id)
            : TypedResults.Ok(new HeldDetailsDocument(HeldDocument.From(details.Message), details.Headers, details.Preview));
    }

    private static async Task<Results<Ok<ApprovedResult>, ProblemHttpResult>> ApproveAsync(HttpRequest request, [FromServices] Moderator? moderator, TimeProvider time, CancellationToken ct)
    {
        var (body, query, problem) = await SelectionAsync(request, moderator, time, ct).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var count = await moderator!.ApproveAsync(query, body!.By ?? "api", body.Reason, body.AllowSender, ct).ConfigureAwait(false);
        return TypedResults.Ok(new ApprovedResult(count));
    }

    private static async Task<Results<Ok<RejectedResult>, ProblemHttpResult>> RejectAsync(HttpRequest request, [FromServices] Moderator? moderator, TimeProvider time, CancellationToken ct)
    {
        var (body, query, problem) = await SelectionAsync(request, moderator, time, ct).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var count = await moderator!.RejectAsync(query, body!.By ?? "api", body.Reason, ct).ConfigureAwait(false);
        return TypedResults.Ok(new RejectedResult(count));
    }

    private static async Task<Results<Ok<IReadOnlyList<SenderRuleDocument>>, ProblemHttpResult>> ListRulesAsync(string? alias, [FromServices] ISenderRuleStore? rules, CancellationToken ct)
    {
        if (rules is null)
        {
            return NotConfigured();
        }

        var list = await rules.ListAsync(alias?.Trim(), ct).ConfigureAwait(false);
        return TypedResults.Ok<IReadOnlyList<SenderRuleDocument>>(list.Select(SenderRuleDocument.From).ToList());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> PutRuleAsync(HttpRequest request, [FromServices] ISenderRuleStore? rules, ModerationAudit audit, TimeProvider time, CancellationToken ct)
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
            return TypedResults.Problem(statusCode: 400, title: "Invalid action", detail: "action must be hold, block or allow");
        }

        try
        {
            var rule = new SenderRule(SenderPattern.Parse(body.Sender ?? string.Empty), body.Alias?.Trim().ToLowerInvariant(), action, action == SenderRuleAction.Block && body.Silent, time.GetUtcNow(), body.By ?? "api", body.Note);
            await rules.SetAsync(rule, ct).ConfigureAwait(false);
            audit.SenderRuleSet(rule);
            return TypedResults.NoContent();
        }
        catch (FormatException ex)
        {
            return TypedResults.Problem(statusCode: 400, title: "Invalid sender", detail: ex.Message);
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> PutFirstContactAsync(HttpRequest request, [FromServices] ISenderRuleStore? rules, ModerationAudit audit, CancellationToken ct)
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
                return TypedResults.Problem(statusCode: 400, title: "Invalid state", detail: "state must be on, off or default");
        }

        var alias = body.Alias?.Trim().ToLowerInvariant();
        if (alias is not null && !MailTumble.Core.Addressing.MailAddress.TryParse(alias, out _))
        {
            return TypedResults.Problem(statusCode: 400, title: "Invalid alias", detail: $"'{body.Alias}' is not a mail address");
        }

        await rules.SetFirstContactAsync(alias, enabled, ct).ConfigureAwait(false);
        audit.FirstContactSet(alias, enabled, body.By ?? "api");
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteRuleAsync(string sender, string? alias, string? by, [FromServices] ISenderRuleStore? rules, ModerationAudit audit, CancellationToken ct)
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
                return TypedResults.Problem(statusCode: 404, title: "No such sender rule", detail: sender);
            }

            audit.SenderRuleRemoved(pattern, alias?.Trim().ToLowerInvariant(), by ?? "api");
            return TypedResults.NoContent();
        }
        catch (FormatException ex)
        {
            return TypedResults.Problem(statusCode: 400, title: "Invalid sender", detail: ex.Message);
        }
    }

    /// <summary>The body of an approve or reject and the held mail it selects; a problem when there is no moderation, or the body is wrong.</summary>
    private static async Task<(HeldDecisionRequest? Body, HeldQuery Query, ProblemHttpResult? Problem)> SelectionAsync(HttpRequest request, Moderator? moderator, TimeProvider time, CancellationToken ct)
    {
        if (moderator is null)
        {
            return (null, HeldQuery.All, NotConfigured());
        }

        var (body, problem) = await ApiEndpoints.ReadBodyAsync<HeldDecisionRequest>(request, ct).ConfigureAwait(false);
        if (problem is not null)
        {
            return (null, HeldQuery.All, problem);
        }

        if (body!.Ids is not { Count: > 0 } && !body.All && body.Alias is null && body.Sender is null && body.OlderThanSeconds is null)
        {
            return (null, HeldQuery.All, TypedResults.Problem(statusCode: 400, title: "Nothing selected", detail: "name ids, or alias, sender, older_than_seconds, or all: true"));
        }

        if (!TryQuery(body.Ids is { Count: > 0 } ? body.Ids : null, body.Alias, body.Sender, body.OlderThanSeconds, time, out var query, out problem))
        {
            return (null, HeldQuery.All, problem);
        }

        return (body, query, null);
    }

    private static bool TryQuery(IReadOnlyList<string>? ids, string? alias, string? sender, double? olderThanSeconds, TimeProvider time, out HeldQuery query, out ProblemHttpResult? problem)
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
                problem = TypedResults.Problem(statusCode: 400, title: "Invalid sender", detail: ex.Message);
                return false;
            }
        }

        if (olderThanSeconds is { } age && !(double.IsFinite(age) && age is >= 0 and <= MaxAgeSeconds))
        {
            // NaN, infinities and ages before any held mail could exist would not make a date: a clear 400, not a 500.
            problem = TypedResults.Problem(statusCode: 400, title: "Invalid age", detail: $"older_than_seconds must be a number of seconds from 0 to {MaxAgeSeconds:0} (100 years)");
            return false;
        }

        query = new HeldQuery(ids, alias?.Trim().ToLowerInvariant(), pattern, olderThanSeconds is { } s ? time.GetUtcNow() - TimeSpan.FromSeconds(s) : null);
        return true;
    }

    private static ProblemHttpResult NotConfigured() =>
        TypedResults.Problem(statusCode: 501, title: "Moderation not available", detail: "this API server runs without the relay's moderation services");
}
