using System.Net;
using System.Text.Json.Nodes;
using Approvals.Testing.Storage;

namespace Approvals.Server.Tests.Approvals;

public abstract partial class ApprovalsApiTests<TServer>
{
    [StoreFact]
    public async Task Approve_ByReviewer_Returns200ApprovedWithTheDecision()
    {
        var id = await CreateIdAsync();

        var response = await ApproveAsync(id, Reviewer, "Checked the diff");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("\"2\"", response.ETag);
        var a = response.Json;
        Assert.Equal("approved", Str(a["status"]));
        Assert.Equal(Reviewer.Id, Str(a["decided_by"]));
        Assert.Equal("Checked the diff", Str(a["decision_note"]));
        Assert.NotNull(Str(a["decided_at"]));
        Assert.Equal(2, a["version"]!.GetValue<long>());
        var decision = Assert.IsType<JsonObject>(Assert.Single(Assert.IsType<JsonArray>(a["decisions"])));
        Assert.Equal("approve", Str(decision["decision"]));
        Assert.Equal(Reviewer.Id, Str(decision["by"]));
        Assert.Equal("Bob Smith", Str(decision["by_name"]));
        Assert.Equal("Checked the diff", Str(decision["note"]));
        Assert.Equal(Str(a["decided_at"]), Str(decision["at"]));
        Assert.True(JsonNode.DeepEquals(a, await GetApprovalAsync(id)));
    }

    [StoreFact]
    public async Task Approve_WithoutBody_Returns200()
    {
        var id = await CreateIdAsync();

        var response = await Api.PostAsync($"{PathOf(id)}/approve", Reviewer, null);

        Assert.True(response.Status == HttpStatusCode.OK, response.ToString());
        Assert.Equal("approved", Str(response.Json["status"]));
    }

    [StoreFact]
    public async Task Approve_WithTwoRequiredApprovals_StaysPendingUntilASecondPersonApproves()
    {
        var body = NewRequest();
        body["policy"] = new JsonObject { ["required_approvals"] = 2 };
        var id = await CreateIdAsync(body);

        var first = await ApproveAsync(id, Reviewer, "one");
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal("pending", Str(first.Json["status"]));
        Assert.Single(first.Json["decisions"]!.AsArray());

        // The same person twice is not two approvers.
        AssertProblem(await ApproveAsync(id, Reviewer, "one again"), HttpStatusCode.Conflict, "already_decided");
        Assert.Equal("pending", Str((await GetApprovalAsync(id))["status"]));

        var second = await ApproveAsync(id, Manager, "two");
        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.Equal("approved", Str(second.Json["status"]));
        Assert.Equal(["user_42", "user_mgr"], second.Json["decisions"]!.AsArray().Select(d => Str(d!["by"])!));
    }

    [StoreFact]
    public async Task Reject_ByReviewer_Returns200RejectedWithTheReason()
    {
        var id = await CreateIdAsync();

        var response = await RejectAsync(id, Reviewer, "Wrong recipient");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("\"2\"", response.ETag);
        var a = response.Json;
        Assert.Equal("rejected", Str(a["status"]));
        Assert.Equal(Reviewer.Id, Str(a["decided_by"]));
        Assert.Equal("Wrong recipient", Str(a["decision_note"]));
        var decision = Assert.Single(a["decisions"]!.AsArray())!;
        Assert.Equal("reject", Str(decision["decision"]));
        Assert.Equal("Wrong recipient", Str(decision["note"]));
    }

    [StoreFact]
    public async Task Reject_OneRejection_RejectsAQuorumRequest()
    {
        var body = NewRequest();
        body["policy"] = new JsonObject { ["required_approvals"] = 3 };
        var id = await CreateIdAsync(body);
        Assert.Equal(HttpStatusCode.OK, (await ApproveAsync(id, Reviewer)).Status);

        var response = await RejectAsync(id, Manager, "no");

        Assert.Equal("rejected", Str(response.Json["status"]));
    }

    [StoreFact]
    public async Task Approve_AlreadyRejected_Returns409WithCurrentStatus()
    {
        var id = await CreateIdAsync();
        Assert.Equal(HttpStatusCode.OK, (await RejectAsync(id, Reviewer)).Status);
        var before = await GetApprovalAsync(id);

        var problem = AssertProblem(await ApproveAsync(id, Manager), HttpStatusCode.Conflict, "already_resolved");

        Assert.Equal("rejected", Str(problem["current_status"]));
        Assert.Equal(409, problem["status"]!.GetValue<int>());
        Assert.True(JsonNode.DeepEquals(before, await GetApprovalAsync(id)));
    }

    [StoreFact]
    public async Task Reject_AlreadyApproved_Returns409WithCurrentStatus()
    {
        var id = await CreateIdAsync();
        Assert.Equal(HttpStatusCode.OK, (await ApproveAsync(id, Reviewer)).Status);

        var problem = AssertProblem(await RejectAsync(id, Manager), HttpStatusCode.Conflict, "already_resolved");

        Assert.Equal("approved", Str(problem["current_status"]));
        Assert.Equal(409, problem["status"]!.GetValue<int>());
    }

    [StoreFact]
    public async Task EveryWrite_OnCancelledApproval_Returns409WithCurrentStatus()
    {
        var id = await CreateIdAsync();
        Assert.Equal(HttpStatusCode.OK, (await CancelAsync(id, Requester)).Status);
        var before = await GetApprovalAsync(id);

        foreach (var response in new[]
        {
            await ApproveAsync(id, Reviewer), await RejectAsync(id, Reviewer), await CancelAsync(id, Requester),
            await ExtendAsync(id, Requester, DateTimeOffset.UtcNow.AddDays(2)),
        })
        {
            Assert.Equal("cancelled", Str(AssertProblem(response, HttpStatusCode.Conflict, "already_resolved")["current_status"]));
        }
        Assert.True(JsonNode.DeepEquals(before, await GetApprovalAsync(id)));
    }

    [StoreFact]
    public async Task Approve_ByViewer_Returns403Forbidden()
    {
        var id = await CreateIdAsync();

        AssertProblem(await ApproveAsync(id, Viewer), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await RejectAsync(id, Viewer), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await ApproveAsync(id, Person("user_other_requester", "Other Requester", "requester")), HttpStatusCode.Forbidden, "forbidden");

        Assert.Equal(1, (await GetApprovalAsync(id))["version"]!.GetValue<long>());
    }

    [StoreFact]
    public async Task Approve_OwnRequest_Returns403SelfApprovalForbidden()
    {
        var reviewerWhoFiles = Person("user_both", "Bea Both", "requester", "reviewer");
        var id = await CreateIdAsync(by: reviewerWhoFiles);

        AssertProblem(await ApproveAsync(id, reviewerWhoFiles), HttpStatusCode.Forbidden, "self_approval_forbidden");
        AssertProblem(await RejectAsync(id, reviewerWhoFiles), HttpStatusCode.Forbidden, "self_approval_forbidden");

        Assert.Equal("pending", Str((await GetApprovalAsync(id))["status"]));
    }

    [StoreFact]
    public async Task Approve_OwnRequestWhosePolicyAllowsIt_Returns200()
    {
        var reviewerWhoFiles = Person("user_both", "Bea Both", "requester", "reviewer");
        var body = NewRequest();
        body["policy"] = new JsonObject { ["allow_self_approval"] = true };
        var id = await CreateIdAsync(body, reviewerWhoFiles);

        var response = await ApproveAsync(id, reviewerWhoFiles);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("approved", Str(response.Json["status"]));
    }

    [StoreFact]
    public async Task Approve_Risk72ByReviewerOrManager_Returns403InsufficientApprovalLevel()
    {
        var id = await CreateIdAsync(NewRequest(72));

        AssertProblem(await ApproveAsync(id, Reviewer), HttpStatusCode.Forbidden, "insufficient_approval_level");
        AssertProblem(await ApproveAsync(id, Manager), HttpStatusCode.Forbidden, "insufficient_approval_level");
        AssertProblem(await RejectAsync(id, Manager), HttpStatusCode.Forbidden, "insufficient_approval_level");

        Assert.Equal(1, (await GetApprovalAsync(id))["version"]!.GetValue<long>());
    }

    [StoreFact]
    public async Task Approve_Risk72BySecurityManagerOrReviewerWithLevel3_Returns200()
    {
        var bySecurityManager = await ApproveAsync(await CreateIdAsync(NewRequest(72)), SecurityManager);
        Assert.Equal(HttpStatusCode.OK, bySecurityManager.Status);
        Assert.Equal("approved", Str(bySecurityManager.Json["status"]));

        var seniorReviewer = Person("user_senior", "Sid Senior", "reviewer") with { ApprovalLevel = 3 };
        var byLevel3 = await ApproveAsync(await CreateIdAsync(NewRequest(72)), seniorReviewer);
        Assert.Equal(HttpStatusCode.OK, byLevel3.Status);
        Assert.Equal("approved", Str(byLevel3.Json["status"]));

        // Level 3 is not enough for a critical request.
        AssertProblem(await ApproveAsync(await CreateIdAsync(NewRequest(90)), seniorReviewer), HttpStatusCode.Forbidden, "insufficient_approval_level");
    }

    [StoreFact]
    public async Task Approve_ByPersonOutsideThePolicy_Returns403Forbidden()
    {
        var body = NewRequest();
        body["policy"] = new JsonObject { ["approver_roles"] = new JsonArray("manager") };
        var rolesOnly = await CreateIdAsync(body);
        AssertProblem(await ApproveAsync(rolesOnly, Reviewer), HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.OK, (await ApproveAsync(rolesOnly, Manager)).Status);

        body["policy"] = new JsonObject { ["approvers"] = new JsonArray(Manager.Id) };
        var named = await CreateIdAsync(body);
        AssertProblem(await ApproveAsync(named, Reviewer), HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.OK, (await ApproveAsync(named, Manager)).Status);
    }

    [StoreFact]
    public async Task Approve_UnknownId_Returns404NotFound()
    {
        AssertProblem(await ApproveAsync("apr_missing", Reviewer), HttpStatusCode.NotFound, "not_found");
        AssertProblem(await RejectAsync("apr_missing", Reviewer), HttpStatusCode.NotFound, "not_found");
        AssertProblem(await CancelAsync("apr_missing", Admin), HttpStatusCode.NotFound, "not_found");
        AssertProblem(await ExtendAsync("apr_missing", Admin, DateTimeOffset.UtcNow.AddDays(1)), HttpStatusCode.NotFound, "not_found");
    }

    [StoreFact]
    public async Task Cancel_ByRequester_Returns200Cancelled()
    {
        var id = await CreateIdAsync();

        var response = await CancelAsync(id, Requester, "Not needed any more");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("\"2\"", response.ETag);
        Assert.Equal("cancelled", Str(response.Json["status"]));
        Assert.Equal(Requester.Id, Str(response.Json["decided_by"]));
        Assert.Equal("Not needed any more", Str(response.Json["decision_note"]));
        Assert.NotNull(Str(response.Json["decided_at"]));
    }

    [StoreFact]
    public async Task Cancel_ByAdmin_Returns200Cancelled()
    {
        var id = await CreateIdAsync();

        var response = await CancelAsync(id, Admin, "Cleaning up");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("cancelled", Str(response.Json["status"]));
        Assert.Equal(Admin.Id, Str(response.Json["decided_by"]));
    }

    [StoreFact]
    public async Task Cancel_ByAnyoneElse_Returns403Forbidden()
    {
        var id = await CreateIdAsync();

        AssertProblem(await CancelAsync(id, Reviewer), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await CancelAsync(id, Person("user_other_requester", "Other Requester", "requester")), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await CancelAsync(id, Viewer), HttpStatusCode.Forbidden, "forbidden");

        Assert.Equal("pending", Str((await GetApprovalAsync(id))["status"]));
    }

    [StoreFact]
    public async Task Extend_ByRequester_MovesTheDeadline()
    {
        var id = await CreateIdAsync();
        var deadline = DateTimeOffset.UtcNow.AddDays(3);

        var response = await ExtendAsync(id, Requester, deadline);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("\"2\"", response.ETag);
        Assert.Equal("pending", Str(response.Json["status"]));
        Assert.Equal(Iso(deadline), Iso(Time(response.Json["expires_at"])));
        Assert.Equal(Iso(deadline), Iso(Time((await GetApprovalAsync(id))["expires_at"])));
    }

    [StoreFact]
    public async Task Extend_ByAdmin_MovesTheDeadline()
    {
        var id = await CreateIdAsync();
        var deadline = DateTimeOffset.UtcNow.AddHours(30);

        var response = await ExtendAsync(id, Admin, deadline);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(Iso(deadline), Iso(Time(response.Json["expires_at"])));
    }

    [StoreFact]
    public async Task Extend_ByAnyoneElse_Returns403Forbidden()
    {
        var id = await CreateIdAsync();
        var before = await GetApprovalAsync(id);

        AssertProblem(await ExtendAsync(id, Reviewer, DateTimeOffset.UtcNow.AddDays(2)), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await ExtendAsync(id, Viewer, DateTimeOffset.UtcNow.AddDays(2)), HttpStatusCode.Forbidden, "forbidden");

        Assert.True(JsonNode.DeepEquals(before, await GetApprovalAsync(id)));
    }

    [StoreFact]
    public async Task Extend_BadDeadline_Returns400AndChangesNothing()
    {
        var id = await CreateIdAsync();
        var before = await GetApprovalAsync(id);
        var extend = $"{PathOf(id)}/extend";

        AssertValidationError(await ExtendAsync(id, Requester, DateTimeOffset.UtcNow.AddHours(-1)), "expires_at");
        AssertValidationError(await ExtendAsync(id, Requester, DateTimeOffset.UtcNow.AddDays(400)), "expires_at");
        AssertValidationError(await Api.PostAsync(extend, Requester, new JsonObject()), "expires_at");
        AssertValidationError(await Api.PostAsync(extend, Requester, new JsonObject { ["expires_at"] = "next tuesday" }), "expires_at");
        AssertValidationError(await Api.PostAsync(extend, Requester, new JsonObject { ["expires_at"] = 12 }), "expires_at");
        AssertProblem(await Api.PostAsync(extend, Requester, null), HttpStatusCode.BadRequest, "validation_error");

        Assert.True(JsonNode.DeepEquals(before, await GetApprovalAsync(id)));
    }

    [StoreFact]
    public async Task DecisionCalls_WithMalformedBodies_Return400AndChangeNothing()
    {
        var id = await CreateIdAsync();
        var before = await GetApprovalAsync(id);

        AssertProblem(await Api.PostAsync($"{PathOf(id)}/approve", Reviewer, "{\"note\": "), HttpStatusCode.BadRequest, "validation_error");
        AssertValidationError(await Api.PostAsync($"{PathOf(id)}/approve", Reviewer, "{\"note\": 5}"), "note");
        AssertValidationError(await Api.PostAsync($"{PathOf(id)}/reject", Reviewer, "{\"reason\": [\"no\"]}"), "reason");
        AssertProblem(await Api.PostAsync($"{PathOf(id)}/cancel", Requester, "[]"), HttpStatusCode.BadRequest, "validation_error");

        Assert.True(JsonNode.DeepEquals(before, await GetApprovalAsync(id)));
    }
}
