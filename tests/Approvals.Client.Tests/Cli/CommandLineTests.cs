using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Approvals.Client.Tests.Support;
using Approvals.Contracts;
using Approvals.EndToEnd.Tests.Hosting;
using Approvals.Testing;
using Approvals.Testing.Storage;

namespace Approvals.Client.Tests.Cli;

/// <summary>
/// The <c>approvals</c> command line as a person or a script runs it: a process against a server process,
/// configured by <c>APPROVALS_URL</c> and <c>APPROVALS_TOKEN</c> (or <c>--url</c>/<c>--token</c>), read by its
/// output and exit code. Each test works in a tenant of its own.
/// </summary>
[Collection(CliServerCollection.Name)]
public sealed partial class CommandLineTests(CliServer server) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly List<HttpClient> _clients = [];

    private string Tenant { get; } = $"t_{Guid.NewGuid():N}";

    private Caller Requester => new("rita", "Rita Requester", Tenant, ["requester"]);

    private Caller Reviewer => new("rob", "Rob Reviewer", Tenant, ["reviewer"]);

    private Caller Admin => new("ada", "Ada Admin", Tenant, ["admin"]);

    /// <summary>The environment a user sets up: where the server is and their token.</summary>
    private Dictionary<string, string> As(Caller caller) => new() { ["APPROVALS_URL"] = server.Url, ["APPROVALS_TOKEN"] = caller.Token };

    /// <summary>A client made the plain way: an HttpClient whose base address and Authorization the caller sets.</summary>
    private ApprovalsClient Client(Caller caller)
    {
        var http = new HttpClient { BaseAddress = server.Server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", caller.Token);
        _clients.Add(http);
        return new ApprovalsClient(http);
    }

    private static Task<CommandResult> Run(Dictionary<string, string> environment, params string[] arguments) =>
        CliProcess.RunAsync(arguments, environment);

    private static CreateApprovalRequest Request(string title) => new() { Title = title, RiskScore = 30, ExpiresIn = "PT4H" };

    public void Dispose()
    {
        foreach (var http in _clients)
        {
            http.Dispose();
        }
    }

    [Fact]
    public async Task List_PrintsATable_AndWithJson_TheApprovals()
    {
        var requester = Client(Requester);
        var ids = new List<string>();
        foreach (var title in new[] { "first", "second", "third" })
        {
            ids.Add((await requester.CreateAsync(Request(title))).Id);
        }

        var table = await Run(As(Reviewer), "list");
        var json = await Run(As(Reviewer), "list", "--status", "pending", "--json");
        var limited = await Run(As(Reviewer), "list", "--limit", "2", "--json");

        Assert.Equal(0, table.ExitCode);
        var lines = table.StandardOutput.TrimEnd().Split('\n');
        Assert.Matches("^ID +STATUS +RISK +TITLE +REQUESTED_BY +EXPIRES_AT$", lines[0]);
        Assert.Equal(Enumerable.Reverse(ids), lines[1..].Select(l => l.Split("  ")[0]));
        Assert.Contains(lines, l => l.Contains("second", StringComparison.Ordinal) && l.Contains("pending", StringComparison.Ordinal));
        Assert.Equal(0, json.ExitCode);
        Assert.Equal(Enumerable.Reverse(ids), JsonNode.Parse(json.StandardOutput)!.AsArray().Select(a => a!["id"]!.GetValue<string>()));
        Assert.Equal(ids.AsEnumerable().Reverse().Take(2), JsonNode.Parse(limited.StandardOutput)!.AsArray().Select(a => a!["id"]!.GetValue<string>()));
    }
}
