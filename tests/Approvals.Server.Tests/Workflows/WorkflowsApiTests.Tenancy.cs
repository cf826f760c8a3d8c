using System.Net;
using Approvals.Testing.Storage;

namespace Approvals.Server.Tests.Workflows;

public abstract partial class WorkflowsApiTests<TServer>
{
    [StoreFact]
    public async Task AnotherTenantsWorkflow_IsNotFound_ForEveryCall()
    {
        var id = Str(await CreateAsync(RemediationPlan()), "id")!;
        var approval = await WaitForFiledApprovalAsync(id);

        AssertProblem(await Api.GetAsync(PathOf(id), Outsider), HttpStatusCode.NotFound, "not_found");
        AssertProblem(await DecideAsync(id, "approve", Outsider), HttpStatusCode.NotFound, "not_found");
        AssertProblem(await CompleteAsync(id, "review", by: Outsider), HttpStatusCode.NotFound, "not_found");
        AssertProblem(await FailAsync(id, "review", by: Outsider), HttpStatusCode.NotFound, "not_found");
        AssertProblem(await CancelAsync(id, Outsider), HttpStatusCode.NotFound, "not_found");
        AssertProblem(await Api.GetAsync($"/v1/approvals/{Str(approval, "id")}", Outsider), HttpStatusCode.NotFound, "not_found");
        Assert.Empty((await Api.GetAsync("/v1/workflows", Outsider)).Json["data"]!.AsArray());

        var workflow = await GetAsync(id);
        Assert.Equal("waiting_approval", Str(workflow, "status"));
        Assert.Equal("pending", Str(workflow["approvals"]![0], "status"));
    }

    [StoreFact]
    public async Task UnknownWorkflow_IsNotFound()
    {
        AssertProblem(await Api.GetAsync(PathOf("wf_missing"), Ops), HttpStatusCode.NotFound, "not_found");
        AssertProblem(await DecideAsync("wf_missing", "approve"), HttpStatusCode.NotFound, "not_found");
        AssertProblem(await CompleteAsync("wf_missing", "build"), HttpStatusCode.NotFound, "not_found");
        AssertProblem(await CancelAsync("wf_missing"), HttpStatusCode.NotFound, "not_found");
    }
}
