using Microsoft.AspNetCore.OpenApi;
using System.Text.Json.Serialization.Metadata;
using Microsoft.OpenApi;

namespace Approvals.Server.OpenApi;

/// <summary>
/// A property the serializer may leave out (<c>JsonIgnore(WhenWritingNull)</c>, such as
/// <c>VerifyDto.broken</c> or a problem's <c>errors</c>) is not required: the generator marks every
/// constructor parameter required, which would reject the responses that leave it out.
/// </summary>
public sealed class OmittedPropertySchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonPropertyInfo is null && context.JsonTypeInfo.Kind == JsonTypeInfoKind.Object && schema.Required is { } required)
        {
            foreach (var property in context.JsonTypeInfo.Properties.Where(SchemaFacts.MayBeOmitted))
            {
                required.Remove(property.Name);
            }
        }
        return Task.CompletedTask;
    }
}
