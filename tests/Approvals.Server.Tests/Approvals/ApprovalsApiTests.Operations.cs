using System.Net;
using System.Text.Json.Nodes;
using Approvals.Testing.Storage;

namespace Approvals.Server.Tests.Approvals;

public abstract partial class ApprovalsApiTests<TServer>
{
    [StoreFact]
    public async Task Health_LiveAndReady_Return200WithoutToken()
    {
        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync("/health/live", null)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync("/health/ready", null)).Status);
    }

    [StoreFact]
    public async Task OpenApi_DescribesTheApprovalCalls()
    {
        var response = await Api.GetAsync("/openapi/v1.json", null);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var paths = Assert.IsType<JsonObject>(response.Json["paths"]);
        foreach (var path in new[]
        {
            "/v1/approvals", "/v1/approvals/count", "/v1/approvals/{id}", "/v1/approvals/{id}/status", "/v1/approvals/{id}/approve",
            "/v1/approvals/{id}/reject", "/v1/approvals/{id}/cancel", "/v1/approvals/{id}/extend", "/v1/approvals/bulk-approve",
            "/v1/approvals/bulk-reject",
        })
        {
            Assert.True(paths.ContainsKey(path), $"{path} is not in {string.Join(", ", paths.Select(p => p.Key))}");
        }
    }

    [StoreFact]
    public async Task WrongMethodOrContentType_KeepsItsStatusAsAProblem()
    {
        var id = await CreateIdAsync();

        var wrongMethod = await Api.SendAsync(HttpMethod.Delete, PathOf(id), Admin);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.Status);
        Assert.Equal("application/problem+json", wrongMethod.MediaType);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/approvals") { Content = new StringContent(NewRequest().ToJsonString()) };
        Requester.Apply(request);
        var wrongType = await Api.SendAsync(request);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.Status);
        Assert.Equal("application/problem+json", wrongType.MediaType);

        Assert.Equal(1, (await GetApprovalAsync(id))["version"]!.GetValue<long>());
    }

    [StoreFact]
    public async Task UnknownRoute_Returns404Problem()
    {
        AssertProblem(await Api.GetAsync("/v1/approvalz", Requester), HttpStatusCode.NotFound, "not_found");
    }
}
