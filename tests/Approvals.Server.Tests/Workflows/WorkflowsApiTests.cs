using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Approvals.Core.Storage;
using Approvals.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Server.Tests.Workflows;

/// <summary>
/// The "Workflows" section of API.md over HTTP, through the real program with its background
/// services and the real clock, written once and subclassed per storage backend. Each test works in
/// a tenant of its own, so the tests share the backend's one server without seeing each other's
/// workflows. Asynchronous progress (an approval being filed, a decision reaching its workflow, a
/// delay or timeout ending) is awaited by polling with a deadline, never by sleeping.
/// </summary>
public abstract partial class WorkflowsApiTests<TServer> : ServerTests<TServer> where TServer : ServerFixture
{
    /// <summary>How long a test waits for progress that should come within a few seconds.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(25);

    protected WorkflowsApiTests(TServer server)
        : base(server)
    {
        Ops = Person("ops-bot", "Ops Bot", "requester");
        Reviewer = Person("bob", "Bob Reviewer", "reviewer");
        SecondReviewer = Person("rae", "Rae Reviewer", "reviewer");
        Viewer = Person("vic", "Vic Viewer", "viewer");
        Admin = Person("ada", "Ada Admin", "admin");
        Outsider = new Caller("bob", "Bob Elsewhere", $"other_{Tenant}", ["requester", "reviewer", "admin"]);
    }

    /// <summary>Starts workflows and reports tasks (requester).</summary>
    protected Caller Ops { get; }

    protected Caller Reviewer { get; }

    protected Caller SecondReviewer { get; }

    protected Caller Viewer { get; }

    protected Caller Admin { get; }

    /// <summary>A person of another tenant with every role (and the same user id as <see cref="Reviewer"/>).</summary>
    protected Caller Outsider { get; }

    // ---- plans ----

    /// <summary>An approval step (low risk: any reviewer may decide) whose request lasts <paramref name="expiresIn"/>.</summary>
    protected static JsonObject ApprovalStep(string id, string? onSuccess = null, string? onFailure = null, string? delay = null,
        string expiresIn = "PT1H") =>
        Step(id, "approval", onSuccess, onFailure, ("delay_to_next_step", delay),
            ("approval", new JsonObject { ["title"] = $"Approve {id}", ["risk_score"] = 30, ["expires_in"] = expiresIn }));

    protected static JsonObject TaskStep(string id, string? onSuccess = null, string? onFailure = null, string? timeout = null) =>
        Step(id, "task", onSuccess, onFailure, ("timeout", timeout));

    private static JsonObject Step(string id, string type, string? onSuccess, string? onFailure, params (string Name, JsonNode? Value)[] extra)
    {
        var step = new JsonObject { ["id"] = id, ["type"] = type };
        if (onSuccess is not null)
        {
            step["on_success"] = onSuccess;
        }
        if (onFailure is not null)
        {
            step["on_failure"] = onFailure;
        }
        foreach (var (name, value) in extra)
        {
            if (value is not null)
            {
                step[name] = value;
            }
        }
        return step;
    }

    protected static JsonObject Plan(params JsonObject[] steps) => Plan("remediate-disk-full", steps);

    protected static JsonObject Plan(string name, params JsonObject[] steps) => new()
    {
        ["name"] = name,
        ["input"] = new JsonObject { ["host"] = "db-7", ["sizes"] = new JsonArray(1, 2) },
        ["steps"] = new JsonArray([.. steps]),
    };

    /// <summary>README's remediation plan: review → execute (or notify on failure), without the delay.</summary>
    protected static JsonObject RemediationPlan(string? delay = null, string expiresIn = "PT1H") => Plan(
        ApprovalStep("review", onSuccess: "execute", onFailure: "notify", delay: delay, expiresIn: expiresIn),
        TaskStep("execute", onFailure: "notify", timeout: "PT1H"),
        TaskStep("notify"));

    // ---- calls ----

    protected static string PathOf(string id) => $"/v1/workflows/{id}";

    /// <summary>Starts a workflow and returns it (fails unless 201).</summary>
    protected async Task<JsonObject> CreateAsync(JsonObject plan, Caller? by = null)
    {
        var reply = await Api.PostAsync("/v1/workflows", by ?? Ops, plan);
        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        return reply.Json;
    }

    protected async Task<JsonObject> GetAsync(string id, Caller? by = null)
    {
        var reply = await Api.GetAsync(PathOf(id), by ?? Ops);
        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        return reply.Json;
    }

    protected Task<Reply> DecideAsync(string id, string action, Caller? by = null, string? note = null) =>
        Api.PostAsync($"{PathOf(id)}/approval", by ?? Reviewer, new JsonObject { ["action"] = action, ["note"] = note });

    protected Task<Reply> CompleteAsync(string id, string step, JsonNode? output = null, Caller? by = null) =>
        Api.PostAsync($"{PathOf(id)}/steps/{step}/complete", by ?? Ops, new JsonObject { ["output"] = output });

    protected Task<Reply> FailAsync(string id, string step, string? error = null, Caller? by = null) =>
        Api.PostAsync($"{PathOf(id)}/steps/{step}/fail", by ?? Ops, new JsonObject { ["error"] = error });

    protected Task<Reply> CancelAsync(string id, Caller? by = null) =>
        Api.PostAsync($"{PathOf(id)}/cancel", by ?? Ops, new JsonObject());

    /// <summary>Polls the workflow until <paramref name="condition"/> holds; fails with the last body at the deadline.</summary>
    protected async Task<JsonObject> WaitForAsync(string id, Func<JsonObject, bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var workflow = await GetAsync(id);
            if (condition(workflow))
            {
                return workflow;
            }
            if (clock.Elapsed > Deadline)
            {
                Assert.Fail($"Workflow {id} did not reach '{what}' within {Deadline.TotalSeconds} s; last seen: {workflow.ToJsonString()}");
            }
            await Task.Delay(PollEvery);
        }
    }

    protected Task<JsonObject> WaitForStatusAsync(string id, string status, string? step = null) =>
        WaitForAsync(id, w => Str(w, "status") == status && (step is null || Str(w, "current_step") == step),
            step is null ? status : $"{status} on {step}");

    /// <summary>Waits until the approval the workflow waits on has been filed (it is embedded then) and returns it.</summary>
    protected async Task<JsonObject> WaitForFiledApprovalAsync(string id)
    {
        var workflow = await WaitForAsync(id, w => w["approvals"]?.AsArray().Count > 0, "its approval filed");
        return Assert.IsType<JsonObject>(Assert.Single(workflow["approvals"]!.AsArray()));
    }

    /// <summary>Polls an approval until it has <paramref name="status"/>.</summary>
    protected async Task<JsonObject> WaitForApprovalStatusAsync(string approvalId, string status)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var reply = await Api.GetAsync($"/v1/approvals/{approvalId}", Reviewer);
            Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
            if (Str(reply.Json, "status") == status)
            {
                return reply.Json;
            }
            if (clock.Elapsed > Deadline)
            {
                Assert.Fail($"Approval {approvalId} did not become {status} within {Deadline.TotalSeconds} s; last seen: {reply.Text}");
            }
            await Task.Delay(PollEvery);
        }
    }

    /// <summary>The types of the events about <paramref name="subjectId"/>, in log order, read from the store.</summary>
    protected async Task<IReadOnlyList<string>> EventTypesAsync(string subjectId)
    {
        var log = Server.Services.GetRequiredService<IEventLog>();
        return (await log.ReadSubjectAsync(subjectId, CancellationToken.None)).Select(e => e.Type).ToList();
    }

    // ---- assertions ----

    protected static string? Str(JsonNode? node, string name) => node?[name]?.GetValue<string>();

    protected static JsonObject History(JsonObject workflow, int index) =>
        Assert.IsType<JsonObject>(workflow["history"]!.AsArray()[index]);

    /// <summary>Asserts an RFC 9457 problem with <paramref name="status"/> and <paramref name="code"/>; returns its body.</summary>
    protected static JsonObject AssertProblem(Reply reply, HttpStatusCode status, string code)
    {
        Assert.True(reply.Status == status, $"Expected {(int)status} {code}, got {reply}");
        Assert.Equal("application/problem+json", reply.MediaType);
        var problem = reply.Json;
        Assert.Equal(code, Str(problem, "code"));
        Assert.False(string.IsNullOrEmpty(Str(problem, "title")));
        Assert.False(string.IsNullOrEmpty(Str(problem, "detail")));
        return problem;
    }

    /// <summary>Asserts a 400 validation_error whose <c>errors</c> name exactly <paramref name="fields"/>.</summary>
    protected static void AssertInvalid(Reply reply, params string[] fields)
    {
        var problem = AssertProblem(reply, HttpStatusCode.BadRequest, "validation_error");
        var errors = Assert.IsType<JsonObject>(problem["errors"]);
        Assert.Equal(fields.Order(StringComparer.Ordinal), errors.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.All(errors, e => Assert.NotEmpty(e.Value!.AsArray()));
    }
}
