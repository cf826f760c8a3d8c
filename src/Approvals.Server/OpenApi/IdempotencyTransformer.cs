using Microsoft.AspNetCore.OpenApi;
using Approvals.Server.Http;
using Microsoft.OpenApi;

namespace Approvals.Server.OpenApi;

/// <summary>
/// The <c>Idempotency-Key</c> header and its refusals on every operation <see cref="IdempotencyMiddleware"/>
/// serves, decided by the middleware's own rule.
/// </summary>
public sealed class IdempotencyTransformer : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (!IdempotencyMiddleware.AppliesTo(context.Description.HttpMethod ?? ""))
        {
            return;
        }
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = IdempotencyMiddleware.Header,
            In = ParameterLocation.Header,
            Description = $"1–{Core.Storage.IdempotentRequests.MaxKeyLength} characters. The same key with the same request within the retention period replays "
                + $"the first response (with `{IdempotencyMiddleware.ReplayedHeader}: true`); with another request it is 422.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = Core.Storage.IdempotentRequests.MaxKeyLength },
        });
        await ProblemResponses.AddAsync(operation, context, StatusCodes.Status409Conflict, "a request with this Idempotency-Key still runs (idempotency_key_in_use).", cancellationToken);
        await ProblemResponses.AddAsync(operation, context, StatusCodes.Status422UnprocessableEntity, "the Idempotency-Key was used with another request (idempotency_key_reused).", cancellationToken);
    }
}
