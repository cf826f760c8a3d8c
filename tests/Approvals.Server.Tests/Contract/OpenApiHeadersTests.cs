using System.Text.Json.Nodes;
using Approvals.Server.Tests.Support;

namespace Approvals.Server.Tests.Contract;

/// <summary>The document declares the headers around the bodies: correlation id, ETag, Location, Idempotent-Replayed.</summary>
[Collection(SqliteServerCollection.Name)]
public sealed class OpenApiHeadersTests(SqliteServer server)
{
    private static IEnumerable<string> HeadersOf(ApiOperation operation, string status) =>
        operation.Responses[status]?["headers"]?.AsObject().Select(h => h.Key) ?? [];

    [Fact]
    public async Task EveryOperation_TakesAndEchoesTheCorrelationId()
    {
        var contract = await OpenApiContract.LoadAsync(server.Client);

        Assert.All(contract.Operations, operation =>
        {
            Assert.Contains(operation.Parameters, p => (string?)p["name"] == "X-Correlation-Id" && (string?)p["in"] == "header");
            Assert.All(operation.Responses, response => Assert.Contains("X-Correlation-Id", HeadersOf(operation, response.Key)));
        });
    }

    [Fact]
    public async Task VersionedReplies_DeclareETag_CreationsLocation_AndIdempotentCallsTheReplayFlag()
    {
        var contract = await OpenApiContract.LoadAsync(server.Client);

        var create = contract.Operation("POST", "/v1/approvals");
        Assert.Superset(new HashSet<string> { "ETag", "Location", "Idempotent-Replayed" }, HeadersOf(create, "201").ToHashSet());
        Assert.Contains("ETag", HeadersOf(contract.Operation("POST", "/v1/approvals/{id}/approve"), "200"));
        Assert.Contains("ETag", HeadersOf(contract.Operation("GET", "/v1/approvals/{id}"), "200"));
        Assert.Contains("ETag", HeadersOf(contract.Operation("GET", "/v1/workflows/{id}"), "200"));
        Assert.Contains("Location", HeadersOf(contract.Operation("POST", "/v1/workflows"), "201"));
        // A list carries many versions, so no single ETag; a refusal is not replayed as a success.
        Assert.DoesNotContain("ETag", HeadersOf(contract.Operation("GET", "/v1/approvals"), "200"));
        Assert.DoesNotContain("Idempotent-Replayed", HeadersOf(create, "400"));
    }
}
