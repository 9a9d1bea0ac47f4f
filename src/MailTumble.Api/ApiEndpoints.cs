using MailTumble.Core.Addressing;
using MailTumble.Core.Counters;
using MailTumble.Core.Aliases;
using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;
using Microsoft.AspNetCore.Builder;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace MailTumble.Api;

/// <summary>The API's routes.</summary>
public static class ApiEndpoints
{
    /// <summary>Maps health, alias, queue, dead-letter, held-mail and sender-rule routes.</summary>
    public static IEndpointRouteBuilder MapMailTumbleApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Text("ok"));

        app.MapGet("/aliases/{address}", async (string address, IAliasDirectory directory, [FromServices] AliasCounters? counters, CancellationToken ct) =>
        {
            if (!TryAddress(address, out var parsed))
            {
                return BadAddress(address);
            }

            var result = await directory.LookupAsync(parsed.Value, ct).ConfigureAwait(false);
            return result.Outcome switch
            {
                LookupOutcome.Found => Results.Ok(AliasDocument.From(result.Alias!) with
                {
                    Counters = counters is null ? null : AliasCounterDocument.From(await counters.GetAsync(result.Alias!.Address, ct).ConfigureAwait(false)),
                }),
                LookupOutcome.NotFound => Results.Problem(statusCode: 404, title: "No such alias", detail: parsed.Value),
                _ => Results.Problem(statusCode: 503, title: "Directory unavailable", detail: result.Reason),
            };
        })
        .WithName("GetAlias").WithSummary("Looks an alias up (the original REST contract).")
        .Produces<AliasDocument>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(503);

        app.MapGet("/aliases", async (string? prefix, int? limit, string? cursor, [FromServices] IAliasAdmin? admin, CancellationToken ct) =>
        {
            if (admin is null)
            {
                return ReadOnly();
            }

            if (limit is < 1 or > 1000)
            {
                return Results.Problem(statusCode: 400, title: "Invalid limit", detail: "limit must be between 1 and 1000");
            }

            var take = limit ?? 100;
            var page = await admin.ListAsync(prefix, cursor, take, ct).ConfigureAwait(false);
            return Results.Ok(new AliasPage(page.Select(AliasDocument.From).ToList(), page.Count == take ? page[^1].Address : null));
        })
        .WithName("ListAliases").WithSummary("Lists aliases in address order; pass next_cursor as cursor for the next page.")
        .Produces<AliasPage>().ProducesProblem(400).ProducesProblem(405);

        app.MapPut("/aliases/{address}", async (string address, HttpRequest request, [FromServices] IAliasAdmin? admin, CancellationToken ct) =>
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
                return Results.Problem(statusCode: 400, title: "Invalid target", detail: $"the body must name the target address in 'email' (or 'target'), or several in 'targets': {ex.Message}");
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
                return Results.Problem(statusCode: 400, title: "Invalid target", detail: ex.Message);
            }

            if (!labels.IsEmpty)
            {
                await admin.SetLabelsAsync(parsed.Value, labels, ct).ConfigureAwait(false);
            }

            return created ? Results.Created($"/aliases/{Uri.EscapeDataString(parsed.Value)}", null) : Results.NoContent();
        })
        .WithName("PutAlias").WithSummary("Creates an alias or changes its target (and, when given, its display name and note).")
        .Accepts<AliasUpdate>("application/json").Produces(201).Produces(204).ProducesProblem(400).ProducesProblem(405);

        app.MapPatch("/aliases/{address}", async (string address, HttpRequest request, IAliasDirectory directory, [FromServices] IAliasAdmin? admin, ModerationAudit audit, CancellationToken ct) =>
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
                ? Results.Ok(AliasDocument.From(record))
                : Results.Problem(statusCode: 404, title: "No such alias", detail: parsed.Value);
        })
        .WithName("PatchAlias").WithSummary("Disables or enables an alias, or sets its display name or note; answers the alias as GET does.")
        .Accepts<AliasPatch>("application/json").Produces<AliasDocument>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(405);

        app.MapDelete("/aliases/{address}", async (string address, [FromServices] IAliasAdmin? admin, CancellationToken ct) =>
        {
            if (!TryAddress(address, out var parsed))
            {
                return BadAddress(address);
            }

            return admin is null ? ReadOnly()
                : await admin.RemoveAsync(parsed.Value, ct).ConfigureAwait(false) ? Results.NoContent()
                : Results.Problem(statusCode: 404, title: "No such alias", detail: parsed.Value);
        })
        .WithName("DeleteAlias").WithSummary("Removes an alias.")
        .Produces(204).ProducesProblem(400).ProducesProblem(404).ProducesProblem(405);

        app.MapPut("/aliases/{address}/status", async (string address, HttpRequest request, [FromServices] IAliasAdmin? admin, ModerationAudit audit, CancellationToken ct) =>
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
                return Results.Problem(statusCode: 400, title: "Invalid status", detail: "status must be active, held, dead or disabled");
            }

            if (admin is null)
            {
                return ReadOnly();
            }

            if (!await admin.SetStatusAsync(parsed.Value, status, ct).ConfigureAwait(false))
            {
                return Results.Problem(statusCode: 404, title: "No such alias", detail: parsed.Value);
            }

            audit.AliasStatusSet(parsed.Value, status, body.By ?? "api", body.Reason);
            return Results.NoContent();
        })
        .WithName("SetAliasStatus").WithSummary("Sets an alias's status: active, held, dead (the original 'mark as dead') or disabled.")
        .Accepts<StatusUpdate>("application/json").Produces(204).ProducesProblem(400).ProducesProblem(404).ProducesProblem(405);

        app.MapQueueEndpoints();
        app.MapLaneEndpoints();

        app.MapModerationApi();
        return app;
    }

    /// <summary>The checked display name and note of a body; a 400 naming what is wrong, else null.</summary>
    private static IResult? Labels(string? note, string? displayName, out AliasLabels labels)
    {
        try
        {
            labels = new AliasLabels(note, displayName).Checked();
            return null;
        }
        catch (FormatException ex)
        {
            labels = AliasLabels.None;
            return Results.Problem(statusCode: 400, title: "Invalid display name or note", detail: ex.Message);
        }
    }

    private static IResult BadAddress(string address) =>
        Results.Problem(statusCode: 400, title: "Invalid address", detail: $"'{Printable(address)}' is not a valid mail address (expected local@domain, at most {MailAddress.MaxLength} characters)");

    private static IResult ReadOnly() =>
        Results.Problem(statusCode: 405, title: "Read-only directory", detail: "the configured alias directory (MailTumble:Directory:Driver) is read-only; change its source instead");

    /// <summary>Kestrel decodes the path but leaves <c>%2F</c> alone (it would change the routing), so a '/' in a local part arrives escaped.</summary>
    private static bool TryAddress(string raw, out AliasKey address) =>
        AliasKey.TryParse(raw.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase), out address);

    internal static async Task<(T? Body, IResult? Problem)> ReadBodyAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, Results.Problem(statusCode: 400, title: "Invalid body", detail: "the body must be JSON (Content-Type: application/json)"));
        }

        try
        {
            var body = await request.ReadFromJsonAsync<T>(cancellationToken).ConfigureAwait(false);
            return body is null ? (null, Results.Problem(statusCode: 400, title: "Invalid body", detail: "the body must be a JSON object")) : (body, null);
        }
        catch (JsonException ex)
        {
            return (null, Results.Problem(statusCode: 400, title: "Invalid body", detail: "the body is not valid JSON: " + ex.Message));
        }
    }

    private static string Printable(string text)
    {
        var clean = new string(text.Where(c => c >= 0x20 && c != 0x7f).Take(100).ToArray());
        return clean.Length < text.Length ? clean + "..." : clean;
    }
}
