using System.Text.Json.Nodes;
using Approvals.Client.Tests.Support;
using Approvals.Contracts;
using Approvals.EndToEnd.Tests.Hosting;

namespace Approvals.Client.Tests.Cli;

public sealed partial class CommandLineTests
{
    [Fact]
    public async Task ShowApproveAndASecondDecision_PrintTheRequest_AndTheRefusalsCode()
    {
        var created = await Client(Requester).CreateAsync(Request("Send Q3 report"));

        var shown = await Run(As(Reviewer), "show", created.Id);
        var approved = await Run(As(Reviewer), "approve", created.Id, "--note", "looks fine", "--if-match", "1");
        var rejected = await Run(As(Reviewer), "reject", created.Id, "--reason", "too late");
        var json = await Run(As(Reviewer), "show", created.Id, "--json");

        Assert.Equal(0, shown.ExitCode);
        Assert.Matches(@"(?m)^status: +pending$", shown.StandardOutput);
        Assert.Matches(@"(?m)^title: +Send Q3 report$", shown.StandardOutput);
        Assert.Equal(0, approved.ExitCode);
        Assert.Matches(@"(?m)^status: +approved$", approved.StandardOutput);
        Assert.Matches(@"(?m)^approve +rob \(Rob Reviewer\) .+ looks fine$", approved.StandardOutput);
        Assert.Equal(1, rejected.ExitCode);
        Assert.StartsWith($"{ErrorCodes.AlreadyResolved}: ", rejected.StandardError, StringComparison.Ordinal);
        Assert.Equal("", rejected.StandardOutput);
        var body = JsonNode.Parse(json.StandardOutput)!;
        Assert.Equal(("approved", 2), (body["status"]!.GetValue<string>(), body["version"]!.GetValue<int>()));
    }

    [Fact]
    public async Task CancelAndExtend_ChangeThePendingRequest()
    {
        var requester = Client(Requester);
        var toCancel = await requester.CreateAsync(Request("cancel me"));
        var toExtend = await requester.CreateAsync(Request("extend me"));
        var deadline = toExtend.ExpiresAt.AddDays(1);

        var cancelled = await Run(As(Requester), "cancel", toCancel.Id, "--reason", "not needed", "--json");
        var extended = await Run(As(Requester), "extend", toExtend.Id, "--expires-at", WireJson.Format(deadline));
        var both = await Run(As(Requester), "extend", toExtend.Id, "--expires-at", WireJson.Format(deadline), "--in", "PT1H");

        Assert.Equal(0, cancelled.ExitCode);
        Assert.Equal("cancelled", JsonNode.Parse(cancelled.StandardOutput)!["status"]!.GetValue<string>());
        Assert.Equal(0, extended.ExitCode);
        Assert.Equal(deadline, (await requester.GetAsync(toExtend.Id)).ExpiresAt, TimeSpan.FromMilliseconds(1));
        Assert.Equal(64, both.ExitCode);
    }

    [Fact]
    public async Task Wait_ExitsZeroOnceDecided_AndThreeWhileStillPending()
    {
        var created = await Client(Requester).CreateAsync(Request("wait for me"));

        var pending = await Run(As(Requester), "wait", created.Id, "--timeout", "1");
        await Client(Reviewer).RejectAsync(created.Id, "no");
        var decided = await Run(As(Requester), "wait", created.Id, "--timeout", "PT1M", "--json");

        Assert.Equal(3, pending.ExitCode);
        Assert.Matches(@"(?m)^status: +pending$", pending.StandardOutput);
        Assert.Equal(0, decided.ExitCode);
        Assert.Equal(("rejected", "rob"), (JsonNode.Parse(decided.StandardOutput)!["status"]!.GetValue<string>(), JsonNode.Parse(decided.StandardOutput)!["decided_by"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Refusals_AndMistakes_ExitNonZero_WithTheCodeOnStderr()
    {
        var missing = await Run(As(Reviewer), "show", "apr_missing");
        var anonymous = await Run(new Dictionary<string, string> { ["APPROVALS_URL"] = server.Url }, "list");
        var unreachable = await Run(As(Reviewer), "list", "--url", $"http://127.0.0.1:{ServerProcess.FreeLoopbackPort()}");
        var usage = await Run(As(Reviewer), "approve");
        var count = await Run(As(Reviewer), "count", "--status", "pending");

        Assert.Equal((1, ""), (missing.ExitCode, missing.StandardOutput));
        Assert.Matches($"^{ErrorCodes.NotFound}: .*apr_missing", missing.StandardError);
        Assert.Equal(1, anonymous.ExitCode);
        Assert.StartsWith($"{ErrorCodes.Unauthorized}: ", anonymous.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, unreachable.ExitCode);
        Assert.StartsWith("unreachable: ", unreachable.StandardError, StringComparison.Ordinal);
        Assert.Equal(64, usage.ExitCode);
        Assert.Equal(0, count.ExitCode);
        Assert.Matches(@"(?m)^pending +0$", count.StandardOutput);
    }
}
