using Approvals.Contracts;

namespace Approvals.Server.Http;

/// <summary>Declares the problems an endpoint (or a group) answers with, for the OpenAPI document.</summary>
public static class ProblemMetadata
{
    public static TBuilder ProducesProblems<TBuilder>(this TBuilder builder, params int[] statuses) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata([.. statuses.Select(status => new ProducesResponseTypeMetadata(status, typeof(ApiProblem), [Problems.ContentType]))]);
}
