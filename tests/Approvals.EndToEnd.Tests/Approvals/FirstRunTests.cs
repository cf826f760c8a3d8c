using System.Net;
using Approvals.EndToEnd.Tests.Hosting;
using Xunit.Abstractions;

namespace Approvals.EndToEnd.Tests.Approvals;

/// <summary>A newcomer's first run: no configuration but a data folder, a token from the CLI, the README flow.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class FirstRunTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CommandDeadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task FirstRun_WithOnlyADataFolder_GeneratesAKeyAndTheTokenCommandsTokensWork()
    {
        using var data = new TempFolder("approvals-e2e-firstrun-");
        var dataFolder = "--Approvals:DataFolder=" + data.Path;
        await using var server = await ServerProcess.StartAsync("first-run", [dataFolder], output);

        var keyFile = Path.Combine(data.Path, "signing-key");
        Assert.True(File.Exists(keyFile), $"The server should have generated {keyFile}.{Environment.NewLine}{server.RecentOutput}");

        var reviewer = await TokenAsync(data.Path, "--sub", "alice", "--role", "reviewer", dataFolder);
        var requester = await TokenAsync(data.Path, "--sub", "bob", "--name", "Bob Smith", "--role", "requester", dataFolder);
        var secondReviewer = await TokenAsync(data.Path, "--sub", "carol", "--role", "reviewer", dataFolder);
        using var http = Api.CreateClient();

        var emptyList = await http.GetAsync(server.Url("/v1/approvals"), reviewer);
        Assert.True(emptyList.Status == HttpStatusCode.OK, emptyList.ToString());
        Assert.Empty(emptyList.Json!["data"]!.AsArray());

        // Create as the requester.
        var created = await http.PostAsync(server.Url("/v1/approvals"), requester, """
            { "title": "Send Q3 report to external partner", "requested_operation": "send_email", "target": "gmail",
              "risk_score": 10, "context": { "recipient": "partner@example.com" }, "policy": { "required_approvals": 1 } }
            """);
        Assert.True(created.Status == HttpStatusCode.Created, created.ToString());
        var id = created.Text("id")!;
        Assert.StartsWith("apr_", id);
        Assert.Equal($"/v1/approvals/{id}", created.Location);
        Assert.Equal("pending", created.Text("status"));
        Assert.Equal("bob", created.Text("requested_by"));

        // List (as the reviewer): the new request is there, pending.
        var list = await http.GetAsync(server.Url("/v1/approvals?status=pending"), reviewer);
        Assert.True(list.Status == HttpStatusCode.OK, list.ToString());
        var listed = Assert.Single(list.Json!["data"]!.AsArray());
        Assert.Equal(id, (string?)listed!["id"]);

        // Approve as the reviewer.
        var approved = await http.PostAsync(server.Url($"/v1/approvals/{id}/approve"), reviewer, """{ "note": "looks fine" }""");
        Assert.True(approved.Status == HttpStatusCode.OK, approved.ToString());
        Assert.Equal("approved", approved.Text("status"));
        Assert.Equal("alice", approved.Text("decided_by"));

        // A second decision is refused: the request is already resolved.
        var second = await http.PostAsync(server.Url($"/v1/approvals/{id}/reject"), secondReviewer, """{ "reason": "too late" }""");
        Assert.True(second.Status == HttpStatusCode.Conflict, second.ToString());
        Assert.Equal("already_resolved", second.Code);
        Assert.Equal("approved", second.Text("current_status"));
        Assert.Equal(409, second.Json!["status"]!.GetValue<int>());
        Assert.StartsWith("application/problem+json", second.ContentType);

        var read = await http.GetAsync(server.Url($"/v1/approvals/{id}"), reviewer);
        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.Equal("approved", read.Text("status"));
        var decision = Assert.Single(read.Json!["decisions"]!.AsArray());
        Assert.Equal("approve", (string?)decision!["decision"]);

        // A token signed with another key is refused.
        var forged = await http.GetAsync(server.Url("/v1/approvals"), TestTokens.For("mallory", "admin"));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.Status);

        await server.StopAsync();
    }

    private async Task<string> TokenAsync(string workingDirectory, params string[] arguments)
    {
        var result = await ServerBinary.RunAsync(["token", .. arguments], workingDirectory, CommandDeadline);
        Assert.True(result.ExitCode == 0, $"token exited with {result.ExitCode}: {result.StandardError}{result.StandardOutput}");
        var token = result.StandardOutput.Trim();
        output.WriteLine($"token {string.Join(' ', arguments)}: {token.Length} characters");
        Assert.Equal(3, token.Split('.').Length);
        return token;
    }
}
