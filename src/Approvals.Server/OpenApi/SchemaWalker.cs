using Microsoft.OpenApi;

namespace Approvals.Server.OpenApi;

/// <summary>Every schema written in a document (components and inline), each once; references are not followed.</summary>
internal static class SchemaWalker
{
    public static IEnumerable<OpenApiSchema> All(OpenApiDocument document)
    {
        var roots = new List<IOpenApiSchema?>();
        roots.AddRange(document.Components?.Schemas?.Values ?? []);
        foreach (var operation in document.Paths.Values.Where(path => path.Operations is not null).SelectMany(path => path.Operations!.Values))
        {
            roots.AddRange(operation.Parameters?.Select(p => p.Schema) ?? []);
            roots.AddRange(operation.RequestBody?.Content?.Values.Select(m => m.Schema) ?? []);
            roots.AddRange(operation.Responses?.Values.SelectMany(r => r.Content?.Values ?? []).Select(m => m.Schema) ?? []);
        }
        var seen = new HashSet<OpenApiSchema>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<IOpenApiSchema?>(roots);
        while (pending.TryPop(out var next))
        {
            if (next is not OpenApiSchema schema || !seen.Add(schema))
            {
                continue;
            }
            yield return schema;
            foreach (var child in Children(schema))
            {
                pending.Push(child);
            }
        }
    }

    private static IEnumerable<IOpenApiSchema?> Children(OpenApiSchema schema) =>
    [
        .. schema.Properties?.Values ?? [], schema.Items, schema.AdditionalProperties, .. schema.AllOf ?? [], .. schema.AnyOf ?? [],
        .. schema.OneOf ?? [], schema.Not,
    ];
}
