using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Approvals.Server.OpenApi;

/// <summary>
/// The problems any operation can meet before or around its handler: a malformed request (400, from
/// <see cref="Http.ProblemExceptionHandler"/>), a request target or header block over the limits (414,
/// 431, from <see cref="Http.RequestSizeGuard"/>), where a body is read one over the size limit (413), and
/// where the endpoint accepts a body type (<c>Accepts</c>) a body of another content type, which routing
/// refuses before the handler (415). Endpoint-specific problems are declared on the endpoints themselves.
/// </summary>
public sealed class CommonProblemsTransformer : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        await ProblemResponses.AddAsync(operation, context, StatusCodes.Status400BadRequest,
            "the request is invalid (validation_error, with the messages per field in errors).", cancellationToken);
        await ProblemResponses.AddAsync(operation, context, StatusCodes.Status414UriTooLong,
            $"the path and query are longer than {Http.RequestSizeGuard.MaxTargetLength} characters (http_414).", cancellationToken);
        await ProblemResponses.AddAsync(operation, context, StatusCodes.Status431RequestHeaderFieldsTooLarge,
            $"the headers are larger than {Http.RequestSizeGuard.MaxHeaderBytes} bytes (http_431).", cancellationToken);
        // Every POST body is read through the size limit, even where the endpoint itself takes none (idempotency hashes it).
        if (HttpMethods.IsPost(context.Description.HttpMethod ?? ""))
        {
            await ProblemResponses.AddAsync(operation, context, StatusCodes.Status413PayloadTooLarge,
                "the body is larger than allowed (payload_too_large).", cancellationToken);
        }
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>().Any())
        {
            await ProblemResponses.AddAsync(operation, context, StatusCodes.Status415UnsupportedMediaType,
                "the body is not of a content type the operation accepts (http_415).", cancellationToken);
        }
    }
}
