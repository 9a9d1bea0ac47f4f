using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace MailTumble.Api;

/// <summary>
/// Declares the API's token (<c>MailTumble:Api:Token</c>, sent as <c>Authorization: Bearer {token}</c>) as the
/// <c>bearer</c> HTTP security scheme of the OpenAPI document, and requires it on every operation whose endpoint carries
/// <see cref="BearerTokenRequired"/> (all but <c>/healthz</c> and the SNS subscription).
/// </summary>
internal sealed class BearerSecuritySchemeTransformer : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    /// <summary>The scheme's name in <c>components.securitySchemes</c>.</summary>
    public const string SchemeName = "bearer";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The API token (MailTumble:Api:Token) as Authorization: Bearer {token}. Without a token set, the API listens on loopback only and asks for none.",
        };
        return Task.CompletedTask;
    }

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<BearerTokenRequired>().Any())
        {
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, context.Document)] = [] });
        }

        return Task.CompletedTask;
    }
}
