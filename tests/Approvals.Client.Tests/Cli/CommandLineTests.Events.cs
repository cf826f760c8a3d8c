using System.Text.Json.Nodes;
using Approvals.Client.Tests.Support;
using Approvals.Contracts;
using Approvals.Testing;
using Approvals.Testing.Storage;

namespace Approvals.Client.Tests.Cli;

public sealed partial class CommandLineTests
{
    [Fact]
    public async Task Tail_PrintsEventsAsTheyHappen_UntilStopped()
    {
        var requester = Client(Requester);
        var before = await requester.CreateAsync(Request("before"));
        var start = await Client(Admin).ListAuditAsync(new AuditListQuery { SubjectId = before.Id }).SingleAsync();
        await using var tail = CliProcess.Start(["tail", "--types", "approval.*", "--last-event-id", start.Id, "--json", "--url", server.Url, "--token", Reviewer.Token]);

        var created = await requester.CreateAsync(Request("during"));
        await Client(Reviewer).ApproveAsync(created.Id, "ok");
        await Eventually.TrueAsync(() => Task.FromResult(tail.Lines.Count >= 2), Deadline, $"two events from tail (stderr: {tail.Errors})");
        var exitCode = await tail.StopAsync("TERM", Deadline);

        var events = tail.Lines.Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal([(EventTypes.ApprovalRequested, created.Id), (EventTypes.ApprovalApproved, created.Id)],
            events.Select(e => (e["type"]!.GetValue<string>(), e["subject_id"]!.GetValue<string>())));
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task Workflows_ListShowAndCancel()
    {
        var started = await Client(Requester).CreateWorkflowAsync(new CreateWorkflowRequest
        {
            Name = "nightly-build",
            Input = TestWorkflows.Json("""{"branch":"main"}"""),
            Steps = [new WorkflowStepDto { Id = "build", Type = "task" }],
        });

        var listed = await Run(As(Requester), "workflows", "list", "--json");
        var table = await Run(As(Requester), "workflows", "list", "--status", "waiting_task");
        var shown = await Run(As(Requester), "workflows", "show", started.Id);
        var cancelled = await Run(As(Requester), "workflows", "cancel", started.Id, "--reason", "not tonight");
        var again = await Run(As(Requester), "workflows", "cancel", started.Id);

        Assert.Equal([started.Id], JsonNode.Parse(listed.StandardOutput)!.AsArray().Select(w => w!["id"]!.GetValue<string>()));
        Assert.Matches($"(?m)^{started.Id} +waiting_task +nightly-build +build ", table.StandardOutput);
        Assert.Equal(0, shown.ExitCode);
        Assert.Matches(@"(?m)^1 +build ", shown.StandardOutput);
        Assert.Equal(0, cancelled.ExitCode);
        Assert.Matches(@"(?m)^status: +cancelled$", cancelled.StandardOutput);
        Assert.NotEqual(0, again.ExitCode);
        Assert.NotEqual("", again.StandardError);
    }

    [Fact]
    public async Task AuditVerify_SaysWhetherTheChainsAreIntact_ForAdminsOnly()
    {
        var created = await Client(Requester).CreateAsync(Request("audited"));
        var approved = await Client(Reviewer).ApproveAsync(created.Id);
        var decision = await Client(Admin).ListAuditAsync(new AuditListQuery { SubjectId = created.Id, Type = EventTypes.ApprovalApproved }).SingleAsync();

        var verified = await Run(As(Admin), "audit", "verify");
        var json = await Run(As(Admin), "audit", "verify", "--json");
        var refused = await Run(As(Reviewer), "audit", "verify");
        Assert.Equal(1, await server.ExecuteSqlAsync("UPDATE events SET data = $data WHERE id = $id;", ("data", "{\"reason\":\"forged\"}"), ("id", decision.Id)));
        var broken = await Run(As(Admin), "audit", "verify");

        Assert.Equal(0, verified.ExitCode);
        Assert.Equal("ok: 2 events checked, every chain intact", verified.StandardOutput.Trim());
        Assert.True(JsonNode.Parse(json.StandardOutput)!["ok"]!.GetValue<bool>());
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith($"{ErrorCodes.Forbidden}: ", refused.StandardError, StringComparison.Ordinal);
        Assert.Equal(("approved", 4), (approved.Status, broken.ExitCode));
        Assert.StartsWith($"broken_chain: {created.Id} at {decision.Id}: ", broken.StandardError, StringComparison.Ordinal);
    }
}
