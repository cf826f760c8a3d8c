using Microsoft.AspNetCore.OpenApi;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.OpenApi;

namespace Approvals.Server.OpenApi;

/// <summary>
/// The two data annotations the generator leaves out: <c>[Required]</c> (a body member the request must
/// carry, though its C# type is nullable so that a missing one is a 400 naming the field rather than a
/// deserialisation error) and <c>[AllowedValues]</c> (an enum of wire names; on a list, of its items).
/// They document the endpoints' own validation; they are not enforced by the framework.
/// </summary>
public sealed class DataAnnotationsSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.ParameterDescription is { } parameter && context.JsonPropertyInfo is null)
        {
            ApplyAllowedValues(schema, SchemaFacts.Attributes(parameter));
            return Task.CompletedTask;
        }
        if (context.JsonPropertyInfo is null && context.JsonTypeInfo.Kind == JsonTypeInfoKind.Object)
        {
            foreach (var property in context.JsonTypeInfo.Properties)
            {
                var attributes = SchemaFacts.Attributes(property).ToList();
                if (attributes.OfType<RequiredAttribute>().Any())
                {
                    (schema.Required ??= new HashSet<string>()).Add(property.Name);
                }
                if (schema.Properties is { } properties && properties.TryGetValue(property.Name, out var found) && found is OpenApiSchema propertySchema)
                {
                    ApplyAllowedValues(propertySchema, attributes);
                }
            }
        }
        return Task.CompletedTask;
    }

    private static void ApplyAllowedValues(OpenApiSchema schema, IEnumerable<Attribute> attributes)
    {
        if (attributes.OfType<AllowedValuesAttribute>().FirstOrDefault() is not { } allowed)
        {
            return;
        }
        var target = schema.Type?.HasFlag(JsonSchemaType.Array) == true && schema.Items is OpenApiSchema items ? items : schema;
        target.Enum = [.. allowed.Values.Select(value => value is null ? null! : JsonValue.Create(value.ToString())!)];
    }
}
