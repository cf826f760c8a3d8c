using System.Net;
using System.Text.Json.Nodes;
using Approvals.Testing.Storage;

namespace Approvals.Server.Tests.Approvals;

public abstract partial class ApprovalsApiTests<TServer>
{
    [StoreFact]
    public async Task BulkApprove_ChecksEachIdOnItsOwn()
    {
        var pending = await CreateIdAsync();
        var alsoPending = await CreateIdAsync();
        var rejected = await CreateIdAsync();
        Assert.Equal(HttpStatusCode.OK, (await RejectAsync(rejected, Manager)).Status);
        var highRisk = await CreateIdAsync(NewRequest(75));
        var ownRequest = await CreateIdAsync(by: Reviewer);

        var response = await Api.PostAsync("/v1/approvals/bulk-approve", Reviewer, new JsonObject
        {
            ["ids"] = new JsonArray(pending, rejected, "apr_missing", highRisk, ownRequest, alsoPending),
            ["note"] = "Batch of the morning",
        });

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var results = response.Json["results"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.Equal([pending, rejected, "apr_missing", highRisk, ownRequest, alsoPending], results.Select(r => Str(r["id"])!));
        AssertDecided(results[0], "approved");
        AssertRefused(results[1], "already_resolved", "rejected");
        AssertRefused(results[2], "not_found", null);
        AssertRefused(results[3], "insufficient_approval_level", null);
        AssertRefused(results[4], "self_approval_forbidden", null);
        AssertDecided(results[5], "approved");

        var approved = await GetApprovalAsync(pending);
        Assert.Equal("approved", Str(approved["status"]));
        Assert.Equal("Batch of the morning", Str(approved["decision_note"]));
        Assert.Equal("approved", Str((await GetApprovalAsync(alsoPending))["status"]));
        Assert.Equal("rejected", Str((await GetApprovalAsync(rejected))["status"]));
        Assert.Equal(1, (await GetApprovalAsync(highRisk))["version"]!.GetValue<long>());
        Assert.Equal(1, (await GetApprovalAsync(ownRequest))["version"]!.GetValue<long>());
    }

    [StoreFact]
    public async Task BulkReject_RejectsEachPermittedId()
    {
        var first = await CreateIdAsync();
        var second = await CreateIdAsync();
        var approved = await CreateIdAsync();
        Assert.Equal(HttpStatusCode.OK, (await ApproveAsync(approved, Manager)).Status);

        var response = await Api.PostAsync("/v1/approvals/bulk-reject", Reviewer, new JsonObject
        {
            ["ids"] = new JsonArray(first, second, approved),
            ["note"] = "Freeze week",
        });

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var results = response.Json["results"]!.AsArray().Select(r => r!.AsObject()).ToList();
        AssertDecided(results[0], "rejected");
        AssertDecided(results[1], "rejected");
        AssertRefused(results[2], "already_resolved", "approved");
        var rejected = await GetApprovalAsync(first);
        Assert.Equal("rejected", Str(rejected["status"]));
        Assert.Equal("Freeze week", Str(rejected["decision_note"]));
        Assert.Equal("reject", Str(rejected["decisions"]![0]!["decision"]));
    }

    [StoreFact]
    public async Task BulkApprove_ByViewer_RefusesEachIdAsForbidden()
    {
        var id = await CreateIdAsync();

        var response = await Api.PostAsync("/v1/approvals/bulk-approve", Viewer, new JsonObject { ["ids"] = new JsonArray(id) });

        Assert.Equal(HttpStatusCode.OK, response.Status);
        AssertRefused(Assert.Single(response.Json["results"]!.AsArray())!.AsObject(), "forbidden", null);
        Assert.Equal(1, (await GetApprovalAsync(id))["version"]!.GetValue<long>());
    }

    [StoreFact]
    public async Task BulkApprove_100Ids_Returns200With100Results()
    {
        var ids = Enumerable.Range(0, 100).Select(i => $"apr_missing_{i}").ToList();
        ids[42] = await CreateIdAsync();

        var response = await Api.PostAsync("/v1/approvals/bulk-approve", Reviewer, new JsonObject { ["ids"] = new JsonArray([.. ids.Select(i => (JsonNode)i)]) });

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var results = response.Json["results"]!.AsArray();
        Assert.Equal(100, results.Count);
        Assert.Equal(ids, results.Select(r => Str(r!["id"])!));
        AssertDecided(results[42]!.AsObject(), "approved");
        Assert.Equal(99, results.Count(r => Str(r!["error"]?["code"]) == "not_found"));
    }

    [StoreFact]
    public async Task BulkApprove_BadIds_Returns400AndDecidesNothing()
    {
        var id = await CreateIdAsync();
        var before = await TenantSnapshotAsync();
        var tooMany = new JsonArray([.. Enumerable.Range(0, 100).Select(i => (JsonNode)$"apr_missing_{i}"), id]);

        foreach (var path in new[] { "/v1/approvals/bulk-approve", "/v1/approvals/bulk-reject" })
        {
            AssertValidationError(await Api.PostAsync(path, Reviewer, new JsonObject { ["ids"] = tooMany.DeepClone() }), "ids");
            AssertValidationError(await Api.PostAsync(path, Reviewer, new JsonObject { ["ids"] = new JsonArray() }), "ids");
            AssertValidationError(await Api.PostAsync(path, Reviewer, new JsonObject { ["note"] = "no ids" }), "ids");
            AssertValidationError(await Api.PostAsync(path, Reviewer, new JsonObject { ["ids"] = id }), "ids");
            AssertValidationError(await Api.PostAsync(path, Reviewer, new JsonObject { ["ids"] = new JsonArray(id, "") }), "ids");
            AssertProblem(await Api.PostAsync(path, Reviewer, "{\"ids\": [\"" + id), HttpStatusCode.BadRequest, "validation_error");
            AssertProblem(await Api.PostAsync(path, Reviewer, null), HttpStatusCode.BadRequest, "validation_error");
        }

        Assert.Equal(before, await TenantSnapshotAsync());
    }

    private static void AssertDecided(JsonObject result, string status)
    {
        Assert.Equal(status, Str(result["status"]));
        Assert.True(result.ContainsKey("error") && result["error"] is null, result.ToJsonString());
    }

    private static void AssertRefused(JsonObject result, string code, string? status)
    {
        var error = Assert.IsType<JsonObject>(result["error"]);
        Assert.Equal(code, Str(error["code"]));
        Assert.False(string.IsNullOrEmpty(Str(error["detail"])), result.ToJsonString());
        if (status is not null)
        {
            Assert.Equal(status, Str(result["status"]));
        }
    }
}
