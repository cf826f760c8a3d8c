using System.Net;
using System.Text.Json.Nodes;
using Approvals.Testing.Storage;

namespace Approvals.Server.Tests.Workflows;

public abstract partial class WorkflowsApiTests<TServer>
{
    /// <summary>Posts a plan, expects 400 validation_error naming exactly <paramref name="fields"/>, and that nothing was started.</summary>
    private async Task AssertRefusedPlanAsync(JsonNode plan, params string[] fields)
    {
        AssertInvalid(await Api.PostAsync("/v1/workflows", Ops, plan), fields);
        Assert.Empty((await Api.GetAsync("/v1/workflows", Ops)).Json["data"]!.AsArray());
    }

    [StoreFact]
    public async Task Create_WithoutSteps_IsAValidationError()
    {
        await AssertRefusedPlanAsync(Plan(), "steps");
        await AssertRefusedPlanAsync(new JsonObject { ["name"] = "no plan" }, "steps");
    }

    [StoreFact]
    public async Task Create_WithoutAName_IsAValidationError()
    {
        var plan = Plan(TaskStep("build"));
        plan["name"] = "  ";

        await AssertRefusedPlanAsync(plan, "name");
    }

    [StoreFact]
    public async Task Create_WithUnknownNextSteps_NamesTheFields()
    {
        await AssertRefusedPlanAsync(
            Plan(ApprovalStep("review", onSuccess: "exceute", onFailure: "notify"), TaskStep("execute", onFailure: "nobody")),
            "steps[0].on_success", "steps[0].on_failure", "steps[1].on_failure");
    }

    [StoreFact]
    public async Task Create_WithDuplicateStepIds_NamesThem()
    {
        await AssertRefusedPlanAsync(Plan(TaskStep("build"), TaskStep("deploy"), TaskStep("build")), "steps[0].id", "steps[2].id");
    }

    [StoreFact]
    public async Task Create_WithAnApprovalStepWithoutItsApproval_IsAValidationError()
    {
        await AssertRefusedPlanAsync(Plan(new JsonObject { ["id"] = "review", ["type"] = "approval" }), "steps[0].approval");
    }

    [StoreFact]
    public async Task Create_WithAnInvalidApprovalBody_NamesItsFieldsWithinTheStep()
    {
        var step = ApprovalStep("review");
        step["approval"] = new JsonObject { ["title"] = "", ["risk_score"] = 101 };

        var reply = await Api.PostAsync("/v1/workflows", Ops, Plan(step));

        var errors = Assert.IsType<JsonObject>(AssertProblem(reply, HttpStatusCode.BadRequest, "validation_error")["errors"]);
        Assert.Contains("steps[0].approval.title", errors.Select(e => e.Key));
        Assert.Contains("steps[0].approval.risk_score", errors.Select(e => e.Key));
    }

    [StoreFact]
    public async Task Create_WithABadStepTypeOrMissingId_NamesThem()
    {
        await AssertRefusedPlanAsync(
            Plan(new JsonObject { ["id"] = "build", ["type"] = "script" }, new JsonObject { ["type"] = "task" }),
            "steps[0].type", "steps[1].id");
    }

    [StoreFact]
    public async Task Create_WithBadDurations_NamesThem()
    {
        await AssertRefusedPlanAsync(
            Plan(
                ApprovalStep("review", onSuccess: "execute", delay: "30 seconds"),
                TaskStep("execute", onSuccess: "notify", timeout: "-PT1S"),
                TaskStep("notify", timeout: "P2Y")),
            "steps[0].delay_to_next_step", "steps[1].timeout", "steps[2].timeout");
    }

    [StoreFact]
    public async Task Create_WithATimeoutOnAnApprovalStep_IsAValidationError()
    {
        var step = ApprovalStep("review");
        step["timeout"] = "PT1H";

        await AssertRefusedPlanAsync(Plan(step), "steps[0].timeout");
    }

    [StoreFact]
    public async Task Create_WithAnInputThatIsNotAnObject_IsAValidationError()
    {
        var plan = Plan(TaskStep("build"));
        plan["input"] = new JsonArray(1, 2);

        await AssertRefusedPlanAsync(plan, "input");
    }

    [StoreFact]
    public async Task Create_WithEveryMistakeAtOnce_ReportsThemAll()
    {
        await AssertRefusedPlanAsync(
            new JsonObject
            {
                ["steps"] = new JsonArray(
                    new JsonObject { ["id"] = "a", ["type"] = "approval", ["on_success"] = "z" },
                    new JsonObject { ["id"] = "a", ["type"] = "job", ["delay_to_next_step"] = "soon" }),
            },
            "name", "steps[0].id", "steps[0].approval", "steps[0].on_success", "steps[1].id", "steps[1].type", "steps[1].delay_to_next_step");
    }

    [StoreFact]
    public async Task Create_WithMalformedJson_IsAValidationError()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/workflows")
        {
            Content = new StringContent("{\"name\": \"x\", \"steps\": [", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Ops.Token);
        using var response = await Server.Client.SendAsync(request);

        AssertProblem(await Reply.ReadAsync(response), HttpStatusCode.BadRequest, "validation_error");
    }
}
