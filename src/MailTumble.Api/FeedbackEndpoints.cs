using System.Text;
using MailTumble.Core.Addressing;
using MailTumble.Core.Feedback;
using MailTumble.Core.Feedback.Sns;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace MailTumble.Api;

/// <summary>Feedback routes: the SNS HTTPS subscription and per-alias feedback counters.</summary>
public static class FeedbackEndpoints
{
    /// <summary>The SNS subscription route; it is authenticated by SNS's signature, not the bearer token.</summary>
    public const string SnsPath = "/feedback/sns";

    /// <summary>SNS messages are at most 256 KiB; leave room for escaping.</summary>
    private const int MaxBody = 1024 * 1024;

    /// <summary>Maps <c>POST /feedback/sns</c> and <c>GET /aliases/{address}/feedback</c>.</summary>
    public static IEndpointRouteBuilder MapMailTumbleFeedback(this IEndpointRouteBuilder app)
    {
        app.MapPost(SnsPath, SnsAsync)
            .WithName("SnsFeedback").WithSummary("SNS HTTPS subscription for SES bounce, complaint and delivery notifications (signature-checked).")
            .WithTags("Feedback")
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(413).ProducesProblem(503);

        ApiEndpoints.Protected(app).MapGroup("/aliases").WithTags("Feedback").MapGet("/{address}/feedback", AliasFeedbackAsync)
            .WithName("GetAliasFeedback").WithSummary("Feedback recorded for an alias: permanent and transient bounces by sub-type, complaints, deliveries.")
            .ProducesProblem(400);

        return app;
    }

    private static async Task<Results<Ok<SnsFeedbackResult>, ProblemHttpResult>> SnsAsync(HttpRequest request, [FromServices] ISnsSubscription? handler, CancellationToken ct)
    {
        if (handler is null)
        {
            return TypedResults.Problem(statusCode: 404, title: "Feedback is not configured");
        }

        var body = await ReadAsync(request, ct).ConfigureAwait(false);
        if (body is null)
        {
            return TypedResults.Problem(statusCode: 413, title: "Too large", detail: $"an SNS message is at most {MaxBody} bytes");
        }

        var result = await handler.HandleAsync(body, ct).ConfigureAwait(false);
        return result.Outcome switch
        {
            SnsOutcome.Accepted => TypedResults.Ok(new SnsFeedbackResult(
                result.Feedback?.Applied ?? 0,
                result.Feedback?.Duplicates ?? 0,
                result.Feedback?.Unattributed ?? 0)),
            SnsOutcome.Forbidden => TypedResults.Problem(statusCode: 403, title: "Forbidden", detail: result.Reason),
            SnsOutcome.Unavailable => TypedResults.Problem(statusCode: 503, title: "Try again later", detail: result.Reason),
            _ => TypedResults.Problem(statusCode: 400, title: "Not an SNS message", detail: result.Reason),
        };
    }

    private static async Task<Results<Ok<AliasFeedbackDocument>, ProblemHttpResult>> AliasFeedbackAsync(string address, [FromServices] IFeedbackStore? store, CancellationToken ct)
    {
        if (!MailAddress.TryParse(address.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase), out var parsed))
        {
            return TypedResults.Problem(statusCode: 400, title: "Invalid address", detail: "not a valid mail address");
        }

        var summary = store is null ? FeedbackSummary.Empty : await store.GetSummaryAsync(parsed.Value, ct).ConfigureAwait(false);
        return TypedResults.Ok(AliasFeedbackDocument.From(parsed.Value, summary));
    }

    private static async Task<string?> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        // SNS posts text/plain; read the bytes whatever the content type says.
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBody)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
