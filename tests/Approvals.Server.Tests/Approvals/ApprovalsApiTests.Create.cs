using System.Net;
using System.Text.Json.Nodes;
using Approvals.Testing.Storage;

namespace Approvals.Server.Tests.Approvals;

public abstract partial class ApprovalsApiTests<TServer>
{
    [StoreFact]
    public async Task Create_ExampleRequest_Returns201WithLocationETagAndTheFullApproval()
    {
        var before = DateTimeOffset.UtcNow;
        var response = await Api.PostAsync("/v1/approvals", Requester, ExampleRequest());

        Assert.True(response.Status == HttpStatusCode.Created, response.ToString());
        Assert.Equal("application/json", response.MediaType);
        Assert.Equal("\"1\"", response.ETag);
        var a = response.Json;
        var id = Str(a["id"])!;
        Assert.StartsWith("apr_", id, StringComparison.Ordinal);
        Assert.Equal(PathOf(id), response.Header("Location"));

        Assert.Equal(Tenant, Str(a["tenant_id"]));
        Assert.Equal("pending", Str(a["status"]));
        Assert.Equal("Send Q3 report to external partner", Str(a["title"]));
        Assert.Equal("The quarterly report goes to the partner's finance team.", Str(a["summary"]));
        Assert.Equal("send_email", Str(a["requested_operation"]));
        Assert.Equal("gmail", Str(a["target"]));
        Assert.Equal("external-recipients", Str(a["resource_scope"]));
        Assert.Equal("confidential", Str(a["data_classification"]));
        Assert.Equal(72, a["risk_score"]!.GetValue<int>());
        Assert.Equal("high", Str(a["risk_level"]));
        Assert.Equal(3, a["required_approval_level"]!.GetValue<int>());
        Assert.True(JsonNode.DeepEquals(ExampleRequest()["context"], a["context"]), a["context"]?.ToJsonString());
        Assert.Equal(Requester.Id, Str(a["requested_by"]));
        Assert.Equal("agt_mailer", Str(a["agent_id"]));
        Assert.Equal("sess_1", Str(a["session_id"]));
        Assert.Equal("trace_1", Str(a["trace_id"]));
        Assert.True(a.ContainsKey("workflow_id") && a["workflow_id"] is null);
        Assert.True(a.ContainsKey("workflow_step") && a["workflow_step"] is null);
        var policy = Assert.IsType<JsonObject>(a["policy"]);
        Assert.Equal(1, policy["required_approvals"]!.GetValue<int>());
        Assert.True(JsonNode.DeepEquals(new JsonArray("security_manager"), policy["approver_roles"]));
        Assert.True(JsonNode.DeepEquals(new JsonArray("user_42"), policy["approvers"]));
        Assert.False(policy["allow_self_approval"]!.GetValue<bool>());
        Assert.Equal("expire", Str(policy["on_expiry"]));
        Assert.Empty(Assert.IsType<JsonArray>(a["decisions"]));
        var createdAt = Time(a["created_at"]);
        Assert.InRange(createdAt, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(createdAt + TimeSpan.FromHours(4), Time(a["expires_at"]));
        Assert.Equal(createdAt, Time(a["updated_at"]));
        foreach (var time in new[] { "created_at", "updated_at", "expires_at" })
        {
            Assert.EndsWith("Z", Str(a[time]), StringComparison.Ordinal);
        }
        foreach (var unset in new[] { "decided_at", "decided_by", "decision_note" })
        {
            Assert.True(a.ContainsKey(unset) && a[unset] is null, $"{unset} is present and null");
        }
        Assert.Equal(1, a["version"]!.GetValue<long>());

        // The Location names the same approval.
        var located = await Api.GetAsync(response.Header("Location")!, Requester);
        Assert.Equal(HttpStatusCode.OK, located.Status);
        Assert.True(JsonNode.DeepEquals(a, located.Json), located.Text);
    }

    [StoreFact]
    public async Task Create_TitleOnly_AppliesTheDefaults()
    {
        var a = await CreateApprovalAsync(new JsonObject { ["title"] = "Restart the worker pool" });

        Assert.Equal(0, a["risk_score"]!.GetValue<int>());
        Assert.Equal("low", Str(a["risk_level"]));
        Assert.Equal(1, a["required_approval_level"]!.GetValue<int>());
        Assert.True(JsonNode.DeepEquals(new JsonObject(), a["context"]));
        var policy = Assert.IsType<JsonObject>(a["policy"]);
        Assert.Equal(1, policy["required_approvals"]!.GetValue<int>());
        Assert.False(policy["allow_self_approval"]!.GetValue<bool>());
        Assert.Equal("expire", Str(policy["on_expiry"]));
        // The configured default deadline is 24 hours.
        Assert.Equal(Time(a["created_at"]) + TimeSpan.FromHours(24), Time(a["expires_at"]));
    }

    [StoreFact]
    public async Task Create_WithExpiresAt_KeepsThatDeadline()
    {
        var deadline = DateTimeOffset.UtcNow.AddDays(2);
        var body = NewRequest();
        body["expires_at"] = Iso(deadline);

        var a = await CreateApprovalAsync(body);

        Assert.Equal(Iso(deadline), Iso(Time(a["expires_at"])));
    }

    [StoreFact]
    public async Task Create_RiskScores_MapToRiskLevelsAndRequiredApprovalLevels()
    {
        (int Score, string Level, int Required)[] table =
        [
            (0, "low", 1), (39, "low", 1), (40, "medium", 2), (69, "medium", 2),
            (70, "high", 3), (84, "high", 3), (85, "critical", 4), (100, "critical", 4),
        ];
        foreach (var (score, level, required) in table)
        {
            var a = await CreateApprovalAsync(NewRequest(score));
            Assert.Equal(level, Str(a["risk_level"]));
            Assert.Equal(required, a["required_approval_level"]!.GetValue<int>());
        }
    }

    [StoreFact]
    public async Task Create_AsRequester_Returns201()
    {
        var response = await Api.PostAsync("/v1/approvals", Person("user_only_requester", "Only Requester", "requester"), NewRequest());

        Assert.Equal(HttpStatusCode.Created, response.Status);
    }

    [StoreFact]
    public async Task Create_AsViewer_Returns403Forbidden()
    {
        var before = await TenantSnapshotAsync();

        var response = await Api.PostAsync("/v1/approvals", Viewer, NewRequest());

        AssertProblem(response, HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(before, await TenantSnapshotAsync());
    }

    [StoreFact]
    public async Task Get_ExistingApproval_Returns200WithETag()
    {
        var created = await CreateApprovalAsync(ExampleRequest());

        var response = await Api.GetAsync(PathOf(Str(created["id"])!), Viewer);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("\"1\"", response.ETag);
        Assert.True(JsonNode.DeepEquals(created, response.Json), response.Text);
    }

    [StoreFact]
    public async Task Get_UnknownId_Returns404NotFound()
    {
        var response = await Api.GetAsync(PathOf("apr_does_not_exist"), Requester);

        AssertProblem(response, HttpStatusCode.NotFound, "not_found");
    }

    [StoreFact]
    public async Task EveryCall_OnAnotherTenantsApproval_Returns404NotFound_AndChangesNothing()
    {
        var id = await CreateIdAsync();
        var before = await GetApprovalAsync(id);
        var otherTenant = $"t_{Guid.NewGuid():N}";
        var outsider = new Caller("user_adm", "Ada Admin", otherTenant, ["admin", "requester"]);

        AssertProblem(await Api.GetAsync(PathOf(id), outsider), HttpStatusCode.NotFound, "not_found");
        AssertProblem(await Api.GetAsync($"{PathOf(id)}/status", outsider), HttpStatusCode.NotFound, "not_found");
        AssertProblem(await Api.GetAsync($"{PathOf(id)}/status?wait=1", outsider), HttpStatusCode.NotFound, "not_found");
        AssertProblem(await ApproveAsync(id, outsider), HttpStatusCode.NotFound, "not_found");
        AssertProblem(await RejectAsync(id, outsider), HttpStatusCode.NotFound, "not_found");
        AssertProblem(await CancelAsync(id, outsider), HttpStatusCode.NotFound, "not_found");
        AssertProblem(await ExtendAsync(id, outsider, DateTimeOffset.UtcNow.AddDays(2)), HttpStatusCode.NotFound, "not_found");
        var bulk = await Api.PostAsync("/v1/approvals/bulk-approve", outsider, new JsonObject { ["ids"] = new JsonArray(id) });
        Assert.Equal(HttpStatusCode.OK, bulk.Status);
        Assert.Equal("not_found", Str(bulk.Json["results"]![0]!["error"]!["code"]));
        var list = await Api.GetAsync("/v1/approvals", outsider);
        Assert.Empty(Ids(list.Json));

        Assert.True(JsonNode.DeepEquals(before, await GetApprovalAsync(id)));
    }
}
