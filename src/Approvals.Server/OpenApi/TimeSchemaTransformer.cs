using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Approvals.Contracts;

namespace Approvals.Server.OpenApi;

/// <summary>
/// Times are ISO 8601 UTC strings (<see cref="WireJson"/> writes them with its own converter, which
/// hides the type from the generator, leaving only a format that validates nothing).
/// </summary>
public sealed class TimeSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (type == typeof(DateTimeOffset) || type == typeof(DateTimeOffset?))
        {
            schema.Type = type == typeof(DateTimeOffset?) ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
            schema.Format = "date-time";
        }
        return Task.CompletedTask;
    }
}
