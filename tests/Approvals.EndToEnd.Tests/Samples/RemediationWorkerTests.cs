using System.Net;
using Approvals.EndToEnd.Tests.Hosting;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;
using Xunit.Abstractions;

namespace Approvals.EndToEnd.Tests.Samples;

/// <summary>
/// <c>samples/RemediationWorker</c> run end to end, as its README section runs it: a server process, then the worker as
/// a process with the server's own <c>Approvals__…</c> environment; the worker's first line is the id of the approval it
/// filed through the in-cluster client, a reviewer decides it over REST, and the worker prints the outcome and exits 0.
/// Every read and exit is awaited with a deadline that only stops a broken run from hanging; nothing depends on how
/// long anything takes.
/// </summary>
public abstract class RemediationWorkerTests<TServer>(TServer server, ITestOutputHelper output) : IClassFixture<TServer>
    where TServer : SampleServer
{
    private const string Worker = "RemediationWorker";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    // Risk 60 is medium: it takes approval level 2, as the README's reviewer has (`token --role reviewer --level 2`).
    private static readonly Testing.Http.Caller Reviewer = new("mia", "Mia Reviewer", "default", ["reviewer"], ApprovalLevel: 2);

    [StoreFact]
    public async Task Approved_PrintsTheIdThenExecuting_AndExitsZero()
    {
        await using var worker = SampleProcess.Start(Worker, server.Environment);
        var id = await FiledAsync(worker);

        await DecideAsync(id, "approve", """{ "note": "go" }""", "approved");

        await EndsWithAsync(worker, "executing");
        Assert.Equal("mia", await StatusOfAsync(id, "decided_by"));
    }

    [StoreFact]
    public async Task Rejected_PrintsTheIdThenCancelled_AndExitsZero()
    {
        await using var worker = SampleProcess.Start(Worker, server.Environment);
        var id = await FiledAsync(worker);

        await DecideAsync(id, "reject", """{ "reason": "not during the sale" }""", "rejected");

        await EndsWithAsync(worker, "cancelled");
    }

    [StoreFact]
    public async Task Expired_PrintsTheIdThenCancelled_AndExitsZero()
    {
        // Nobody decides: the request's own deadline, a few seconds away, ends the wait.
        var environment = new Dictionary<string, string>(server.Environment) { ["Approvals__Worker__ExpiresIn"] = "PT2S" };
        await using var worker = SampleProcess.Start(Worker, environment);
        var id = await FiledAsync(worker);

        await EndsWithAsync(worker, "cancelled");
        Assert.Equal("expired", await StatusOfAsync(id, "status"));
    }

    [StoreFact]
    public async Task StoppedWhileWaiting_PrintsStopped_ExitsTwo_AndLeavesTheRequestPending()
    {
        await using var worker = SampleProcess.Start(Worker, server.Environment);
        var id = await FiledAsync(worker);

        await worker.TerminateAsync();

        await EndsWithAsync(worker, "stopped", expectedExitCode: 2);
        Assert.Equal("pending", await StatusOfAsync(id, "status"));
    }

    /// <summary>The worker's first line: the id of a pending "restart db-7" it filed in the server's cluster.</summary>
    private async Task<string> FiledAsync(SampleProcess worker)
    {
        var id = await worker.ReadLineAsync(Deadline);
        output.WriteLine($"{Worker} filed {id}");
        Assert.StartsWith("apr_", id);
        using var http = Api.CreateClient();
        var filed = await http.GetAsync(server.Server.Url($"/v1/approvals/{id}"), Reviewer.Token);
        Assert.True(filed.Status == HttpStatusCode.OK, filed.ToString());
        Assert.Equal("restart db-7", filed.Text("title"));
        Assert.Equal("restart", filed.Text("requested_operation"));
        Assert.Equal("db-7", filed.Text("target"));
        Assert.Equal(60, filed.Json!["risk_score"]!.GetValue<int>());
        return id;
    }

    private async Task DecideAsync(string id, string action, string body, string expectedStatus)
    {
        using var http = Api.CreateClient();
        var decided = await http.PostAsync(server.Server.Url($"/v1/approvals/{id}/{action}"), Reviewer.Token, body);
        Assert.True(decided.Status == HttpStatusCode.OK, decided.ToString());
        Assert.Equal(expectedStatus, decided.Text("status"));
    }

    /// <summary>The worker prints exactly <paramref name="outcome"/> after the id, and exits with <paramref name="expectedExitCode"/>.</summary>
    private static async Task EndsWithAsync(SampleProcess worker, string outcome, int expectedExitCode = 0)
    {
        var exitCode = await worker.WaitForExitAsync(Deadline);
        var rest = await worker.ReadToEndAsync(Deadline);
        Assert.True(exitCode == expectedExitCode, $"{Worker} exited with {exitCode}; stdout after the id: [{string.Join(", ", rest)}]{Environment.NewLine}{worker.Errors}");
        Assert.Equal([outcome], rest);
    }

    private async Task<string?> StatusOfAsync(string id, string member)
    {
        using var http = Api.CreateClient();
        var status = await http.GetAsync(server.Server.Url($"/v1/approvals/{id}/status"), Reviewer.Token);
        Assert.True(status.Status == HttpStatusCode.OK, status.ToString());
        return status.Text(member);
    }
}

[Collection(EndToEndCollection.Name)]
public sealed class SqliteRemediationWorkerTests(SqliteSampleServer server, ITestOutputHelper output)
    : RemediationWorkerTests<SqliteSampleServer>(server, output);

[RequiresPostgres]
[Collection(EndToEndCollection.Name)]
public sealed class PostgresRemediationWorkerTests(PostgresSampleServer server, ITestOutputHelper output)
    : RemediationWorkerTests<PostgresSampleServer>(server, output);
