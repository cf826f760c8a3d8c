using Approvals.Contracts;
using Approvals.Server.Approvals;
using Approvals.Server.Audit;
using Approvals.Server.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Approvals.Server.OpenApi;

/// <summary>
/// The headers around the bodies, which the generator cannot see: <c>X-Correlation-Id</c> (taken and
/// echoed on every operation by <see cref="AuditContextMiddleware"/>), <c>ETag</c> on every response
/// that carries a versioned approval or workflow, <c>Location</c> on a creation, and
/// <c>Idempotent-Replayed</c> on the successes of every operation the idempotency middleware serves.
/// </summary>
public sealed class HeadersTransformer : IOpenApiOperationTransformer
{
    private static readonly HashSet<Type> Versioned = [typeof(ApprovalDto), typeof(ApprovalStatusDto), typeof(WorkflowDto)];

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = AuditContextMiddleware.CorrelationHeader,
            In = ParameterLocation.Header,
            Description = "Ties this request to the caller's own trace; recorded with the events it causes and echoed in the response.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        });
        var idempotent = IdempotencyMiddleware.AppliesTo(context.Description.HttpMethod ?? "");
        var versionedStatuses = context.Description.SupportedResponseTypes
            .Where(r => r.Type is { } type && Versioned.Contains(type))
            .Select(r => r.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .ToHashSet(StringComparer.Ordinal);

        foreach (var (status, reply) in operation.Responses ?? [])
        {
            if (reply is not OpenApiResponse response)
            {
                continue;
            }
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers[AuditContextMiddleware.CorrelationHeader] = Header("The request's correlation id (the caller's, or one made for it).");
            if (versionedStatuses.Contains(status))
            {
                response.Headers["ETag"] = Header("The version of the resource, quoted (`\"3\"`); send it back in `If-Match`.");
            }
            if (status == "201")
            {
                response.Headers["Location"] = Header("The path of the created resource.");
            }
            if (idempotent && status.StartsWith('2'))
            {
                response.Headers[IdempotencyMiddleware.ReplayedHeader] =
                    Header("`true` when this is the stored response of an earlier request with the same Idempotency-Key.");
            }
        }
        return Task.CompletedTask;
    }

    private static OpenApiHeader Header(string description) =>
        new() { Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
}
