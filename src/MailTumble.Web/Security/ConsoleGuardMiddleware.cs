using System.Net;
using Microsoft.AspNetCore.Http;

namespace MailTumble.Web.Security;

/// <summary>
/// Headers that keep the console's pages inert to anything they display (no inline script, nothing framed, nothing
/// loaded from elsewhere), and, when no token is set, refuses any client that is not on loopback (as the API does).
/// </summary>
internal sealed class ConsoleGuardMiddleware(RequestDelegate next, bool signInRequired)
{
    private const string Policy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        if (!signInRequired && context.Connection.RemoteIpAddress is { } remote && !IPAddress.IsLoopback(remote))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return context.Response.WriteAsync("The console without MailTumble:Api:Token is served on loopback only.");
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = Policy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = context.Request.Path.StartsWithSegments(ConsolePaths.Assets, StringComparison.Ordinal)
            ? "public, max-age=86400"
            : "no-store";
        return next(context);
    }
}
