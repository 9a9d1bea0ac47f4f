using MailTumble.Core.Counters;
using MailTumble.Core.Aliases;
using MailTumble.Core.Moderation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using static MailTumble.Api.ApiEndpoints;

namespace MailTumble.Api;

/// <summary>The alias routes under <c>/aliases</c>: the original REST lookup contract, and the administration of aliases.</summary>
internal static class AliasEndpoints
{
    public static RouteGroupBuilder MapAliasEndpoints(this RouteGroupBuilder aliases)
    {
        aliases.MapGet("/{address}", GetAsync)
            .WithName("GetAlias").WithSummary("Looks an alias up (the original REST contract).")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(503);

        aliases.MapGet(string.Empty, ListAsync)
            .WithName("ListAliases").WithSummary("Lists aliases in address order; pass next_cursor as cursor for the next page.")
            .ProducesProblem(400).ProducesProblem(405);

        aliases.MapPut("/{address}", PutAsync)
            .WithName("PutAlias").WithSummary("Creates an alias or changes its target (and, when given, its display name and note).")
            .Accepts<AliasUpdate>("application/json").ProducesProblem(400).ProducesProblem(405);

        aliases.MapPatch("/{address}", PatchAsync)
            .WithName("PatchAlias").WithSummary("Disables or enables an alias, or sets its display name or note; answers the alias as GET does.")
            .Accepts<AliasPatch>("application/json").ProducesProblem(400).ProducesProblem(404).ProducesProblem(405);

        aliases.MapDelete("/{address}", DeleteAsync)
            .WithName("DeleteAlias").WithSummary("Removes an alias.")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(405);

        aliases.MapPut("/{address}/status", SetStatusAsync)
            .WithName("SetAliasStatus").WithSummary("Sets an alias's status: active, held, dead (the original 'mark as dead') or disabled.")
            .Accepts<StatusUpdate>("application/json").ProducesProblem(400).ProducesProblem(404).ProducesProblem(405);

        return aliases;
    }

    private static async Task<Results<Ok<AliasDocument>, ProblemHttpResult>> GetAsync(string address, IAliasDirectory directory, [FromServices] AliasCounters? counters, CancellationToken ct)
    {
        if (!TryAddress(address, out var parsed))
        {
            return BadAddress(address);
        }

        var result = await directory.LookupAsync(parsed.Value, ct).ConfigureAwait(false);
        return result.Outcome switch
        {
            LookupOutcome.Found => TypedResults.Ok(AliasDocument.From(result.Alias!) with
            {
                Counters = counters is null ? null : AliasCounterDocument.From(await counters.GetAsync(result.Alias!.Address, ct).ConfigureAwait(false)),
            }),
            LookupOutcome.NotFound => NoSuchAlias(parsed.Value),
            _ => TypedResults.Problem(statusCode: 503, title: "Directory unavailable", detail: result.Reason),
        };
    }

    private static async Task<Results<Ok<AliasPage>, ProblemHttpResult>> ListAsync(string? prefix, int? limit, string? cursor, [FromServices] IAliasAdmin? admin, CancellationToken ct)
    {
        if (admin is null)
        {
            return ReadOnly();
        }

        if (limit is < 1 or > 1000)
        {
            return TypedResults.Problem(statusCode: 400, title: "Invalid limit", detail: "limit must be between 1 and 1000");
        }

        var take = limit ?? 100;
        var page = await admin.ListAsync(prefix, cursor, take, ct).ConfigureAwait(false);
        return TypedResults.Ok(new AliasPage(page.Select(AliasDocument.From).ToList(), page.Count == take ? page[^1].Address : null));
    }

    private static async Task<Results<Created, NoContent, ProblemHttpResult>> PutAsync(string address, HttpRequest request, [FromServices] IAliasAdmin? admin, CancellationToken ct)
    {
        if (!TryAddress(address, out var parsed))
        {
            return BadAddress(address);
        }

        var (body, problem) = await ReadBodyAsync<AliasUpdate>(request, ct).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        IReadOnlyList<string> to;
        try
        {
            to = body!.Targets is { Count: > 0 } list ? AliasTargets.Normalize(list) : AliasTargets.Parse(body.Email ?? body.Target ?? string.Empty);
        }
        catch (FormatException ex)
        {
            return TypedResults.Problem(statusCode: 400, title: "Invalid target", detail: $"the body must name the target address in 'email' (or 'target'), or several in 'targets': {ex.Message}");
        }

        if (Labels(body.Note, body.DisplayName, out var labels) is { } invalid)
        {
            return invalid;
        }

        if (admin is null)
        {
            return ReadOnly();
        }

        bool created;
        try
        {
            created = await admin.UpsertAsync(parsed.Value, to, ct).ConfigureAwait(false);
        }
        catch (FormatException ex)
        {
            return TypedResults.Problem(statusCode: 400, title: "Invalid target", detail: ex.Message);
        }

        if (!labels.IsEmpty)
        {
            await admin.SetLabelsAsync(parsed.Value, labels, ct).ConfigureAwait(false);
        }

        return created ? TypedResults.Created($"/aliases/{Uri.EscapeDataString(parsed.Value)}") : TypedResults.NoContent();
    }

    private static async Task<Results<Ok<AliasDocument>, ProblemHttpResult>> PatchAsync(string address, HttpRequest request, IAliasDirectory directory, [FromServices] IAliasAdmin? admin, ModerationAudit audit, CancellationToken ct)
    {
        if (!TryAddress(address, out var parsed))
        {
            return BadAddress(address);
        }

        var (body, problem) = await ReadBodyAsync<AliasPatch>(request, ct).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (Labels(body!.Note, body.DisplayName, out var labels) is { } invalid)
        {
            return invalid;
        }

        if (admin is null)
        {
            return ReadOnly();
        }

        // The entry itself, never what the alias model would fall back to or create on first use.
        var exact = admin as IAliasDirectory ?? directory;
        var found = labels.IsEmpty
            ? (await exact.LookupAsync(parsed.Value, ct).ConfigureAwait(false)).Alias?.Address == parsed.Value
            : await admin.SetLabelsAsync(parsed.Value, labels, ct).ConfigureAwait(false);
        if (found && body.Disabled is true)
        {
            found = await admin.SetStatusAsync(parsed.Value, AliasStatus.Disabled, ct).ConfigureAwait(false);
            audit.AliasStatusSet(parsed.Value, AliasStatus.Disabled, body.By ?? "api", body.Reason);
        }
        else if (found && body.Disabled is false && await admin.EnableAsync(parsed.Value, ct).ConfigureAwait(false))
        {
            audit.AliasStatusSet(parsed.Value, AliasStatus.Active, body.By ?? "api", body.Reason);
        }

        var now = found ? await exact.LookupAsync(parsed.Value, ct).ConfigureAwait(false) : LookupResult.NotFound;
        return now.Alias is { } record && record.Address == parsed.Value
            ? TypedResults.Ok(AliasDocument.From(record))
            : NoSuchAlias(parsed.Value);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string address, [FromServices] IAliasAdmin? admin, CancellationToken ct)
    {
        if (!TryAddress(address, out var parsed))
        {
            return BadAddress(address);
        }

        return admin is null ? ReadOnly()
            : await admin.RemoveAsync(parsed.Value, ct).ConfigureAwait(false) ? TypedResults.NoContent()
            : NoSuchAlias(parsed.Value);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SetStatusAsync(string address, HttpRequest request, [FromServices] IAliasAdmin? admin, ModerationAudit audit, CancellationToken ct)
    {
        if (!TryAddress(address, out var parsed))
        {
            return BadAddress(address);
        }

        var (body, problem) = await ReadBodyAsync<StatusUpdate>(request, ct).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (!Enum.TryParse<AliasStatus>(body!.Status, ignoreCase: true, out var status) || !Enum.IsDefined(status) || int.TryParse(body.Status, out _))
        {
            return TypedResults.Problem(statusCode: 400, title: "Invalid status", detail: "status must be active, held, dead or disabled");
        }

        if (admin is null)
        {
            return ReadOnly();
        }

        if (!await admin.SetStatusAsync(parsed.Value, status, ct).ConfigureAwait(false))
        {
            return NoSuchAlias(parsed.Value);
        }

        audit.AliasStatusSet(parsed.Value, status, body.By ?? "api", body.Reason);
        return TypedResults.NoContent();
    }
}
