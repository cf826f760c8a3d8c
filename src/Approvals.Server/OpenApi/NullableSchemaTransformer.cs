using Microsoft.AspNetCore.OpenApi;
using System.Text.Json.Serialization.Metadata;
using Microsoft.OpenApi;

namespace Approvals.Server.OpenApi;

/// <summary>
/// A property or parameter that may be null accepts null, whatever its type. The generator writes a
/// nullable reference as <c>oneOf: [{type: null}, X]</c> (after the schema transformers ran, so this is
/// also a document transformer), which rejects every null when X accepts null as well (any JSON value,
/// such as <c>context</c> or <c>data</c>): exactly one alternative must match. <c>anyOf</c> says what is meant.
/// </summary>
public sealed class NullableSchemaTransformer : IOpenApiSchemaTransformer, IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var schema in SchemaWalker.All(document))
        {
            OneOfNullToAnyOf(schema);
        }
        return Task.CompletedTask;
    }

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonPropertyInfo is { } property && SchemaFacts.IsNullable(property))
        {
            AcceptNull(schema);
        }
        else if (context.ParameterDescription is { } parameter && SchemaFacts.IsNullable(parameter))
        {
            AcceptNull(schema);
        }
        return Task.CompletedTask;
    }

    private static void AcceptNull(OpenApiSchema schema)
    {
        if (schema.OneOf is { Count: > 0 } || schema.AnyOf is { Count: > 0 })
        {
            var alternatives = schema.AnyOf ??= [];
            if (!alternatives.Any(IsNull))
            {
                alternatives.Insert(0, new OpenApiSchema { Type = JsonSchemaType.Null });
            }
            return;
        }
        if (schema.Type is { } type)
        {
            schema.Type = type | JsonSchemaType.Null;
        }
        // No type at all (any JSON value): null is accepted already.
        if (schema.Enum is { Count: > 0 } values && !values.Any(v => v is null))
        {
            values.Add(null!);
        }
    }

    private static void OneOfNullToAnyOf(OpenApiSchema schema)
    {
        if (schema.OneOf is { } alternatives && alternatives.Any(IsNull))
        {
            schema.AnyOf = [.. schema.AnyOf ?? [], .. alternatives];
            schema.OneOf = null;
        }
    }

    private static bool IsNull(IOpenApiSchema schema) => schema is OpenApiSchema { Type: JsonSchemaType.Null };
}
