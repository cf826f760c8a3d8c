using Scalar.AspNetCore;

namespace Approvals.Server.Docs;

/// <summary>
/// The API reference at <c>/docs</c>: Scalar's page over <c>/openapi/v1.json</c>, with every asset (the
/// script bundle, its helper, the favicon) served by this node from the package, so it works with no way
/// out to the internet and tells no third party who reads it. Anonymous, like the document it renders.
/// </summary>
public static class DocsSetup
{
    public const string Path = "/docs";

    public static IEndpointRouteBuilder MapApprovalsDocs(this IEndpointRouteBuilder routes)
    {
        routes.MapScalarApiReference(Path, options => options
                .WithTitle("Approvals API")
                .WithOpenApiRoutePattern("/openapi/{documentName}.json")
                // Off: fonts from Scalar's CDN, usage telemetry, the hosted AI chat and MCP, all of which call out, and the
                // developer toolbar (shown on localhost), whose share and deploy buttons go to Scalar's services.
                .DisableDefaultFonts()
                .DisableTelemetry()
                .DisableAgent()
                .DisableMcp()
                .HideDeveloperTools())
            .AllowAnonymous();
        return routes;
    }
}
