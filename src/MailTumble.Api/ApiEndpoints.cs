using MailTumble.Core.Addressing;
using MailTumble.Core.Aliases;
using Microsoft.AspNetCore.Builder;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace MailTumble.Api;

/// <summary>The API's routes.</summary>
public static class ApiEndpoints
{
    /// <summary>Maps health, alias, queue, dead-letter, held-mail and sender-rule routes.</summary>
    public static IEndpointRouteBuilder MapMailTumbleApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Text("ok"))
            .WithName("Health").WithSummary("Answers ok while the process serves (no token needed).").WithTags("Health")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");

        // Everything else wants the bearer token (BearerTokenMiddleware checks it; the metadata tells the OpenAPI document).
        var api = Protected(app);
        api.MapGroup("/aliases").WithTags("Aliases").MapAliasEndpoints();
        api.MapGroup("/queue").WithTags("Queue").MapQueueEndpoints().MapLaneEndpoints();
        api.MapGroup("/dlq").WithTags("Dead letters").MapDeadLetterEndpoints();
        api.MapGroup("/held").WithTags("Held mail").MapHeldEndpoints();
        api.MapGroup("/senders").WithTags("Sender rules").MapSenderRuleEndpoints();
        return app;
    }

    /// <summary>The routes under <paramref name="app"/> that want <c>Authorization: Bearer {MailTumble:Api:Token}</c>.</summary>
    internal static RouteGroupBuilder Protected(IEndpointRouteBuilder app) =>
        app.MapGroup(string.Empty).WithMetadata(BearerTokenRequired.Instance);

    /// <summary>The checked display name and note of a body; a 400 naming what is wrong, else null.</summary>
    internal static ProblemHttpResult? Labels(string? note, string? displayName, out AliasLabels labels)
    {
        try
        {
            labels = new AliasLabels(note, displayName).Checked();
            return null;
        }
        catch (FormatException ex)
        {
            labels = AliasLabels.None;
            return TypedResults.Problem(statusCode: 400, title: "Invalid display name or note", detail: ex.Message);
        }
    }

    internal static ProblemHttpResult BadAddress(string address) =>
        TypedResults.Problem(statusCode: 400, title: "Invalid address", detail: $"'{Printable(address)}' is not a valid mail address (expected local@domain, at most {MailAddress.MaxLength} characters)");

    internal static ProblemHttpResult ReadOnly() =>
        TypedResults.Problem(statusCode: 405, title: "Read-only directory", detail: "the configured alias directory (MailTumble:Directory:Driver) is read-only; change its source instead");

    internal static ProblemHttpResult NoSuchAlias(string address) =>
        TypedResults.Problem(statusCode: 404, title: "No such alias", detail: address);

    /// <summary>Kestrel decodes the path but leaves <c>%2F</c> alone (it would change the routing), so a '/' in a local part arrives escaped.</summary>
    internal static bool TryAddress(string raw, out AliasKey address) =>
        AliasKey.TryParse(raw.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase), out address);

    internal static async Task<(T? Body, ProblemHttpResult? Problem)> ReadBodyAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, TypedResults.Problem(statusCode: 400, title: "Invalid body", detail: "the body must be JSON (Content-Type: application/json)"));
        }

        try
        {
            var body = await request.ReadFromJsonAsync<T>(cancellationToken).ConfigureAwait(false);
            return body is null ? (null, TypedResults.Problem(statusCode: 400, title: "Invalid body", detail: "the body must be a JSON object")) : (body, null);
        }
        catch (JsonException ex)
        {
            return (null, TypedResults.Problem(statusCode: 400, title: "Invalid body", detail: "the body is not valid JSON: " + ex.Message));
        }
    }

    private static string Printable(string text)
    {
        var clean = new string(text.Where(c => c >= 0x20 && c != 0x7f).Take(100).ToArray());
        return clean.Length < text.Length ? clean + "..." : clean;
    }
}
