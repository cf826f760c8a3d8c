namespace Approvals.Server.OpenApi;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c>, generated from the endpoints and their metadata; each
/// transformer fills in one concern the generator cannot see by itself.
/// </summary>
public static class OpenApiSetup
{
    public static IServiceCollection AddApprovalsOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer<SecurityTransformer>();
            options.AddOperationTransformer<SecurityTransformer>();
            options.AddOperationTransformer<IdempotencyTransformer>();
            options.AddOperationTransformer<CommonProblemsTransformer>();
            options.AddOperationTransformer<HeadersTransformer>();
            options.AddSchemaTransformer<TimeSchemaTransformer>();
            options.AddSchemaTransformer<DataAnnotationsSchemaTransformer>();
            options.AddSchemaTransformer<OmittedPropertySchemaTransformer>();
            // Last: it must see the schemas as the others left them.
            options.AddSchemaTransformer<NullableSchemaTransformer>();
            options.AddDocumentTransformer<NullableSchemaTransformer>();
        });

    public static IEndpointConventionBuilder MapApprovalsOpenApi(this IEndpointRouteBuilder routes) =>
        routes.MapOpenApi().AllowAnonymous();
}
