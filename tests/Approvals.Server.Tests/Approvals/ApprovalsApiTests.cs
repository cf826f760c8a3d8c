using System.Net;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Support;

namespace Approvals.Server.Tests.Approvals;

/// <summary>
/// The "Approval requests" section of API.md, through the real program in memory, written once and
/// subclassed per storage backend. Each test works in a tenant of its own, so tests share one server
/// per backend without seeing each other's requests, counts or idempotency keys.
/// </summary>
public abstract partial class ApprovalsApiTests<TServer> : ServerTests<TServer> where TServer : ServerFixture
{
    /// <summary>How long a test waits for something that should happen at once.</summary>
    protected static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    protected ApprovalsApiTests(TServer server)
        : base(server)
    {
        Requester = Person("user_7", "Rita Requester", "requester");
        Reviewer = Person("user_42", "Bob Smith", "reviewer");
        Manager = Person("user_mgr", "Mia Manager", "manager");
        SecurityManager = Person("user_sec", "Sam Security", "security_manager");
        Admin = Person("user_adm", "Ada Admin", "admin");
        Viewer = Person("user_view", "Vic Viewer", "viewer");
    }

    protected Caller Requester { get; }
    protected Caller Reviewer { get; }
    protected Caller Manager { get; }
    protected Caller SecurityManager { get; }
    protected Caller Admin { get; }
    protected Caller Viewer { get; }

    protected static string PathOf(string id) => $"/v1/approvals/{id}";

    /// <summary>The smallest valid create body.</summary>
    protected static JsonObject NewRequest(int riskScore = 10, string title = "Rotate the staging database password") =>
        new() { ["title"] = title, ["risk_score"] = riskScore };

    /// <summary>The create body of API.md's example.</summary>
    protected static JsonObject ExampleRequest() => new()
    {
        ["title"] = "Send Q3 report to external partner",
        ["summary"] = "The quarterly report goes to the partner's finance team.",
        ["requested_operation"] = "send_email",
        ["target"] = "gmail",
        ["resource_scope"] = "external-recipients",
        ["data_classification"] = "confidential",
        ["risk_score"] = 72,
        ["context"] = new JsonObject { ["recipient"] = "partner@example.com", ["attachments"] = new JsonArray("q3.pdf") },
        ["agent_id"] = "agt_mailer",
        ["session_id"] = "sess_1",
        ["trace_id"] = "trace_1",
        ["expires_in"] = "PT4H",
        ["policy"] = new JsonObject
        {
            ["required_approvals"] = 1,
            ["approver_roles"] = new JsonArray("security_manager"),
            ["approvers"] = new JsonArray("user_42"),
            ["allow_self_approval"] = false,
            ["on_expiry"] = "expire",
        },
    };

    /// <summary>Files a request and returns the created approval (fails unless 201).</summary>
    protected async Task<JsonObject> CreateApprovalAsync(JsonObject? body = null, Caller? by = null)
    {
        var response = await Api.PostAsync("/v1/approvals", by ?? Requester, body ?? NewRequest());
        Assert.True(response.Status == HttpStatusCode.Created, response.ToString());
        return response.Json;
    }

    protected async Task<string> CreateIdAsync(JsonObject? body = null, Caller? by = null) =>
        Str((await CreateApprovalAsync(body, by))["id"])!;

    protected Task<Reply> ApproveAsync(string id, Caller by, string? note = null, params (string Name, string Value)[] headers) =>
        Api.PostAsync($"{PathOf(id)}/approve", by, note is null ? new JsonObject() : new JsonObject { ["note"] = note }, headers);

    protected Task<Reply> RejectAsync(string id, Caller by, string? reason = null, params (string Name, string Value)[] headers) =>
        Api.PostAsync($"{PathOf(id)}/reject", by, reason is null ? new JsonObject() : new JsonObject { ["reason"] = reason }, headers);

    protected Task<Reply> CancelAsync(string id, Caller by, string? reason = null, params (string Name, string Value)[] headers) =>
        Api.PostAsync($"{PathOf(id)}/cancel", by, reason is null ? new JsonObject() : new JsonObject { ["reason"] = reason }, headers);

    protected Task<Reply> ExtendAsync(string id, Caller by, DateTimeOffset expiresAt, params (string Name, string Value)[] headers) =>
        Api.PostAsync($"{PathOf(id)}/extend", by, new JsonObject { ["expires_at"] = Iso(expiresAt) }, headers);

    /// <summary>The approval as GET returns it now (fails unless 200).</summary>
    protected async Task<JsonObject> GetApprovalAsync(string id, Caller? by = null)
    {
        var response = await Api.GetAsync(PathOf(id), by ?? Requester);
        Assert.True(response.Status == HttpStatusCode.OK, response.ToString());
        return response.Json;
    }

    /// <summary>Everything this tenant's callers can read, to show a refused request changed nothing.</summary>
    protected async Task<string> TenantSnapshotAsync()
    {
        var list = await Api.GetAsync("/v1/approvals?limit=100", Admin);
        var counts = await Api.GetAsync("/v1/approvals/count", Admin);
        Assert.Equal(HttpStatusCode.OK, list.Status);
        Assert.Equal(HttpStatusCode.OK, counts.Status);
        return list.Text + "\n" + counts.Text;
    }

    /// <summary>Asserts an RFC 9457 problem with the given status and code; returns its body.</summary>
    protected static JsonObject AssertProblem(Reply response, HttpStatusCode status, string code)
    {
        Assert.True(response.Status == status, $"expected {(int)status} {code}, got {response}");
        Assert.Equal("application/problem+json", response.MediaType);
        var problem = response.Json;
        Assert.Equal(code, Str(problem["code"]));
        Assert.False(string.IsNullOrEmpty(Str(problem["title"])), "a problem has a title");
        Assert.False(string.IsNullOrEmpty(Str(problem["detail"])), "a problem has a detail");
        return problem;
    }

    /// <summary>Asserts a 400 validation_error whose <c>errors</c> name <paramref name="field"/>.</summary>
    protected static JsonObject AssertValidationError(Reply response, string field)
    {
        var problem = AssertProblem(response, HttpStatusCode.BadRequest, "validation_error");
        Assert.Equal(400, problem["status"]!.GetValue<int>());
        var errors = Assert.IsType<JsonObject>(problem["errors"]);
        Assert.True(errors.ContainsKey(field), $"expected an error for '{field}', got {errors.ToJsonString()}");
        var messages = Assert.IsType<JsonArray>(errors[field]);
        Assert.NotEmpty(messages);
        return problem;
    }

    protected static string? Str(JsonNode? node) => node?.GetValue<string>();

    protected static DateTimeOffset Time(JsonNode? node) =>
        DateTimeOffset.Parse(Str(node)!, System.Globalization.CultureInfo.InvariantCulture);

    protected static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    protected static List<string> Ids(JsonObject page) =>
        [.. page["data"]!.AsArray().Select(a => Str(a!["id"])!)];
}
