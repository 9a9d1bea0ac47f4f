using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace MailTumble.Api;

/// <summary>
/// Requires <c>Authorization: Bearer {token}</c> on every route but <c>/healthz</c> and the SNS subscription
/// (SNS cannot send a bearer token; every message there must carry a valid SNS signature instead) when a token is set.
/// Paths that <paramref name="exempt"/> claims (the operator console, which signs in with the same token) are left alone.
/// </summary>
internal sealed class BearerTokenMiddleware(RequestDelegate next, string? token, Func<PathString, bool> exempt)
{
    private readonly byte[]? _expected = string.IsNullOrEmpty(token) ? null : Encoding.UTF8.GetBytes(token);

    public Task InvokeAsync(HttpContext context)
    {
        if (_expected is null || context.Request.Path.Equals("/healthz", StringComparison.Ordinal) || exempt(context.Request.Path)
            || (HttpMethods.IsPost(context.Request.Method) && context.Request.Path.Equals(FeedbackEndpoints.SnsPath, StringComparison.Ordinal)))
        {
            return next(context);
        }

        var header = context.Request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        if (header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[prefix.Length..].Trim()), _expected))
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return context.Response.WriteAsJsonAsync(new { title = "Unauthorized", status = 401, detail = "a valid bearer token is required" });
    }
}
