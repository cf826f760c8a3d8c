using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Approvals.Server.Auth;
using Approvals.Server.Http;

namespace Approvals.Server.OpenApi;

/// <summary>
/// The ways to authenticate (a person's JWT, an agent's API key as a bearer token or in <c>X-Api-Key</c>)
/// and, on every operation whose endpoint requires authorization, the requirement and its 401. The
/// endpoints' own authorization metadata decides, so an anonymous endpoint (health) shows none.
/// </summary>
public sealed class SecurityTransformer : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    public const string Jwt = "jwt";
    public const string ApiKeyBearer = "api_key";
    public const string ApiKeyHeader = "api_key_header";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.AddComponent<IOpenApiSecurityScheme>(Jwt, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "A person's token: HS256 (or from the configured OIDC authority) with the claims sub, name, role, tenant and optionally approval_level.",
        });
        document.AddComponent<IOpenApiSecurityScheme>(ApiKeyBearer, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "ak_…",
            Description = "An API key (agents, services) as `Authorization: Bearer ak_…`.",
        });
        document.AddComponent<IOpenApiSecurityScheme>(ApiKeyHeader, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyDefaults.Header,
            Description = "An API key (agents, services) in the X-Api-Key header.",
        });
        return Task.CompletedTask;
    }

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (!metadata.OfType<IAuthorizeData>().Any() || metadata.OfType<IAllowAnonymous>().Any())
        {
            return;
        }
        // Any one of the three (a list of alternatives, each a requirement of its own).
        operation.Security = [.. new[] { Jwt, ApiKeyBearer, ApiKeyHeader }.Select(scheme =>
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] })];
        await ProblemResponses.AddAsync(operation, context, StatusCodes.Status401Unauthorized, "no valid token or API key was presented (unauthorized).", cancellationToken);
    }
}
