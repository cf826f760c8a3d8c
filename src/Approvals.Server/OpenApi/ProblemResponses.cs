using Approvals.Contracts;
using Microsoft.AspNetCore.OpenApi;
using Approvals.Server.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OpenApi;

namespace Approvals.Server.OpenApi;

/// <summary>Adds a problem response (the shared <see cref="ApiProblem"/> schema) to an operation, for the transformers.</summary>
internal static class ProblemResponses
{
    public static async Task AddAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, int status, string description,
        CancellationToken cancellationToken)
    {
        operation.Responses ??= [];
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var schema = await context.GetOrCreateSchemaAsync(typeof(ApiProblem), null, cancellationToken);
        if (operation.Responses.TryGetValue(key, out var existing) && existing is OpenApiResponse response)
        {
            // The endpoint declared this status already: keep its description, make sure the problem is among its bodies.
            response.Content ??= new Dictionary<string, OpenApiMediaType>();
            response.Content.TryAdd(Problems.ContentType, new OpenApiMediaType { Schema = schema });
            return;
        }
        operation.Responses[key] = new OpenApiResponse
        {
            Description = $"{ReasonPhrases.GetReasonPhrase(status)}: {description}",
            Content = new Dictionary<string, OpenApiMediaType> { [Problems.ContentType] = new() { Schema = schema } },
        };
    }
}
