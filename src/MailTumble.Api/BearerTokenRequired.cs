namespace MailTumble.Api;

/// <summary>
/// Endpoint metadata of the routes that want the API's bearer token: <see cref="BearerTokenMiddleware"/> enforces the
/// token, <see cref="BearerSecuritySchemeTransformer"/> declares it in the OpenAPI document for these operations.
/// </summary>
internal sealed class BearerTokenRequired
{
    private BearerTokenRequired()
    {
    }

    /// <summary>The one instance.</summary>
    public static BearerTokenRequired Instance { get; } = new();
}
