using MailTumble.Core.Diagnostics;
using Microsoft.AspNetCore.Builder;
using MailTumble.Core.Moderation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;

namespace MailTumble.Api;

/// <summary>Registers and wires the HTTP API.</summary>
public static class ApiServiceCollectionExtensions
{
    /// <summary>Adds OpenTelemetry metrics with a Prometheus exporter for the relay's meter.</summary>
    public static IServiceCollection AddMailTumbleApi(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.TryAddSingleton<ModerationAudit>();
        services.AddOpenApi(openApi =>
        {
            var bearer = new BearerSecuritySchemeTransformer();
            openApi.AddDocumentTransformer(bearer);
            openApi.AddOperationTransformer(bearer);
        });
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(MailTumbleMetrics.MeterName).AddPrometheusExporter());
        return services;
    }

    /// <summary>
    /// Adds the token check, the routes, the OpenAPI document (<c>/openapi/v1.json</c>) and <c>/metrics</c>; paths that
    /// <paramref name="exempt"/> claims (the operator console, with its own sign-in) skip the bearer-token check.
    /// </summary>
    public static WebApplication UseMailTumbleApi(this WebApplication app, string? token, Func<Microsoft.AspNetCore.Http.PathString, bool>? exempt = null)
    {
        app.UseMiddleware<BearerTokenMiddleware>(token ?? string.Empty, exempt ?? (_ => false));
        app.MapMailTumbleApi();
        app.MapMailTumbleFeedback();
        app.MapOpenApi();
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
