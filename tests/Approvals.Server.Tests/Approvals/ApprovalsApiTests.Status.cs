using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Approvals.Testing.Storage;

namespace Approvals.Server.Tests.Approvals;

public abstract partial class ApprovalsApiTests<TServer>
{
    /// <summary>
    /// Tells a woken long-poll from one that ran its whole wait (60 s); far from the expected
    /// fraction of a second, so a busy machine cannot fail it. Speed is bench/'s to measure.
    /// </summary>
    private static readonly TimeSpan WokenBound = TimeSpan.FromSeconds(30);

    [StoreFact]
    public async Task Status_OfPendingApproval_ReturnsTheStatusShapeWithETag()
    {
        var id = await CreateIdAsync();

        var response = await Api.GetAsync($"{PathOf(id)}/status", Viewer);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("\"1\"", response.ETag);
        var expected = new JsonObject
        {
            ["id"] = id, ["status"] = "pending", ["decided_at"] = null, ["decided_by"] = null, ["decision_note"] = null, ["version"] = 1,
        };
        Assert.True(JsonNode.DeepEquals(expected, response.Json), response.Text);
    }

    [StoreFact]
    public async Task Status_OfDecidedApproval_CarriesTheDecision()
    {
        var id = await CreateIdAsync();
        var approved = (await ApproveAsync(id, Reviewer, "Looks fine")).Json;

        var response = await Api.GetAsync($"{PathOf(id)}/status", Viewer);

        Assert.Equal("\"2\"", response.ETag);
        var status = response.Json;
        Assert.Equal("approved", Str(status["status"]));
        Assert.Equal(Reviewer.Id, Str(status["decided_by"]));
        Assert.Equal("Looks fine", Str(status["decision_note"]));
        Assert.Equal(Str(approved["decided_at"]), Str(status["decided_at"]));
        Assert.Equal(2, status["version"]!.GetValue<long>());
    }

    [StoreFact]
    public async Task Status_UnknownId_Returns404NotFound()
    {
        AssertProblem(await Api.GetAsync($"{PathOf("apr_missing")}/status", Viewer), HttpStatusCode.NotFound, "not_found");
        AssertProblem(await Api.GetAsync($"{PathOf("apr_missing")}/status?wait=1", Viewer), HttpStatusCode.NotFound, "not_found");
    }

    [StoreFact]
    public async Task Status_Wait_ReturnsAsSoonAsAnotherRequestDecides()
    {
        var id = await CreateIdAsync();
        var elapsed = Stopwatch.StartNew();

        var poll = Api.GetAsync($"{PathOf(id)}/status?wait=60", Requester);
        // The decision comes while the poll is held.
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.False(poll.IsCompleted, "a pending request is held until it changes");
        var approve = await ApproveAsync(id, Reviewer, "go");
        Assert.Equal(HttpStatusCode.OK, approve.Status);
        var response = await poll.WaitAsync(Deadline);
        elapsed.Stop();

        // Woken, not timed out: the bound only tells the two apart (60 s), so a busy machine cannot fail it.
        Assert.True(elapsed.Elapsed < WokenBound, $"the poll returned after {elapsed.Elapsed.TotalSeconds:0.00} s");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("approved", Str(response.Json["status"]));
        Assert.Equal(Reviewer.Id, Str(response.Json["decided_by"]));
        Assert.Equal("\"2\"", response.ETag);
    }

    [StoreFact]
    public async Task Status_Wait_ReturnsAsSoonAsTheRequestIsRejected()
    {
        var id = await CreateIdAsync();
        var elapsed = Stopwatch.StartNew();

        var poll = Api.GetAsync($"{PathOf(id)}/status?wait=60", Requester);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.Equal(HttpStatusCode.OK, (await RejectAsync(id, Reviewer, "no")).Status);
        var response = await poll.WaitAsync(Deadline);

        Assert.True(elapsed.Elapsed < WokenBound, $"the poll returned after {elapsed.Elapsed.TotalSeconds:0.00} s");
        Assert.Equal("rejected", Str(response.Json["status"]));
    }

    [StoreFact]
    public async Task Status_WaitWithoutChange_ReturnsPendingWhenTheWaitEnds()
    {
        var id = await CreateIdAsync();
        var elapsed = Stopwatch.StartNew();

        var response = await Api.GetAsync($"{PathOf(id)}/status?wait=1", Requester).WaitAsync(Deadline);
        elapsed.Stop();

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("pending", Str(response.Json["status"]));
        Assert.Equal(1, response.Json["version"]!.GetValue<long>());
        Assert.True(elapsed.Elapsed >= TimeSpan.FromMilliseconds(900), $"held for only {elapsed.Elapsed.TotalMilliseconds:0} ms");
        Assert.True(elapsed.Elapsed < WokenBound, $"held for {elapsed.Elapsed.TotalSeconds:0.00} s");
    }

    [StoreFact]
    public async Task Status_AWaitLongerThanOrleansResponseTimeout_IsHeldToItsEnd()
    {
        // 31 s outlives one grain call (Orleans answers a call that takes over 30 s with a timeout): the
        // gateway waits in slices, so the caller still gets its 200 when the wait ends.
        var id = await CreateIdAsync();
        var elapsed = Stopwatch.StartNew();

        var response = await Api.GetAsync($"{PathOf(id)}/status?wait=31", Requester).WaitAsync(TimeSpan.FromSeconds(90));

        Assert.True(response.Status == HttpStatusCode.OK, response.ToString());
        Assert.Equal("pending", Str(response.Json["status"]));
        Assert.True(elapsed.Elapsed >= TimeSpan.FromSeconds(30.9), $"held for only {elapsed.Elapsed.TotalSeconds:0.0} s");
    }

    [StoreFact]
    public async Task Status_WaitOnDecidedApproval_ReturnsAtOnce()
    {
        var id = await CreateIdAsync();
        Assert.Equal(HttpStatusCode.OK, (await CancelAsync(id, Requester)).Status);
        var elapsed = Stopwatch.StartNew();

        var response = await Api.GetAsync($"{PathOf(id)}/status?wait=60", Requester).WaitAsync(TimeSpan.FromSeconds(90));

        Assert.True(elapsed.Elapsed < WokenBound, $"took {elapsed.Elapsed.TotalSeconds:0.00} s");
        Assert.Equal("cancelled", Str(response.Json["status"]));
    }

    [StoreFact]
    public async Task Status_Wait_ReturnsWhenTheDeadlinePasses()
    {
        var body = NewRequest();
        body["expires_in"] = "PT1S";
        var id = await CreateIdAsync(body);

        var response = await Api.GetAsync($"{PathOf(id)}/status?wait=60", Requester).WaitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal("expired", Str(response.Json["status"]));
    }

    [StoreFact]
    public async Task Status_WaitOutOfRange_Returns400()
    {
        var id = await CreateIdAsync();

        AssertValidationError(await Api.GetAsync($"{PathOf(id)}/status?wait=61", Requester), "wait");
        AssertValidationError(await Api.GetAsync($"{PathOf(id)}/status?wait=abc", Requester), "wait");
        AssertValidationError(await Api.GetAsync($"{PathOf(id)}/status?wait=-1", Requester), "wait");
        AssertValidationError(await Api.GetAsync($"{PathOf(id)}/status?wait=1.5", Requester), "wait");
        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync($"{PathOf(id)}/status?wait=0", Requester)).Status);
    }
}
