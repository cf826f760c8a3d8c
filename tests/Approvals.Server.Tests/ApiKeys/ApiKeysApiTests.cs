using System.Net;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Support;
using Approvals.Testing.Storage;

namespace Approvals.Server.Tests.ApiKeys;

/// <summary>
/// API keys over HTTP through the real program, written once and subclassed per storage backend: keys
/// shown once and stored as hashes, both ways of presenting them, what each scope allows, that a key
/// never decides, and that a revoked key is refused by the very next request. Each test works in a
/// tenant of its own, so the tests share the backend's one server.
/// </summary>
public abstract class ApiKeysApiTests<TServer> : ServerTests<TServer> where TServer : ServerFixture
{
    protected ApiKeysApiTests(TServer server)
        : base(server)
    {
        Admin = Person("ada", "Ada Admin", "admin");
        Requester = Person("rita", "Rita Requester", "requester");
        Reviewer = Person("bob", "Bob Reviewer", "reviewer");
        OtherAdmin = new Caller("ada", "Ada Elsewhere", $"other_{Tenant}", ["admin"]);
    }

    protected Caller Admin { get; }

    protected Caller Requester { get; }

    protected Caller Reviewer { get; }

    /// <summary>An admin of another tenant (with the same user id as <see cref="Admin"/>).</summary>
    protected Caller OtherAdmin { get; }

    // ---- helpers ----

    protected static JsonObject KeyBody(string name, params string[] scopes) =>
        new() { ["name"] = name, ["scopes"] = new JsonArray([.. scopes.Select(s => JsonValue.Create(s))]) };

    /// <summary>Creates a key (fails unless 201) and returns the response body.</summary>
    protected async Task<JsonObject> CreateKeyAsync(Credential by, params string[] scopes)
    {
        var reply = await Api.PostAsync("/v1/api-keys", by, KeyBody($"agent {string.Join('+', scopes)}", scopes));
        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        return reply.Json;
    }

    protected async Task<ApiKey> NewKeyAsync(params string[] scopes) => new(Str(await CreateKeyAsync(Admin, scopes), "key")!);

    protected static JsonObject ApprovalBody(string title = "Send Q3 report") =>
        new() { ["title"] = title, ["risk_score"] = 30, ["expires_in"] = "PT1H" };

    /// <summary>Files a pending approval as the requester and returns its id.</summary>
    protected async Task<string> FileApprovalAsync()
    {
        var reply = await Api.PostAsync("/v1/approvals", Requester, ApprovalBody());
        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        return Str(reply.Json, "id")!;
    }

    protected static JsonObject TaskWorkflow() => new()
    {
        ["name"] = "nightly-report",
        ["steps"] = new JsonArray(new JsonObject { ["id"] = "send", ["type"] = "task" }),
    };

    protected static string? Str(JsonNode? node, string name) => node?[name]?.GetValue<string>();

    protected static void AssertProblem(Reply reply, HttpStatusCode status, string code)
    {
        Assert.True(reply.Status == status, reply.ToString());
        Assert.Equal("application/problem+json", reply.MediaType);
        Assert.Equal(code, reply.Code);
    }

    // ---- create and list ----

    [StoreFact]
    public async Task Create_ShowsTheKeyOnce_AndTheListNeverShowsIt()
    {
        var reply = await Api.PostAsync("/v1/api-keys", Admin, KeyBody("deploy bot", "approvals:create", "approvals:read"));

        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        var created = reply.Json;
        var id = Str(created, "id")!;
        var key = Str(created, "key")!;
        var prefix = Str(created, "prefix")!;
        Assert.StartsWith("key_", id);
        Assert.Equal($"/v1/api-keys/{id}", reply.Header("Location"));
        Assert.Matches("^ak_[0-9a-z]{8}_[0-9a-z]{32}$", key);
        Assert.Equal(key[3..11], prefix);
        Assert.Equal("deploy bot", Str(created, "name"));
        Assert.Equal(["approvals:read", "approvals:create"], created["scopes"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal("ada", Str(created, "created_by"));

        var list = await Api.GetAsync("/v1/api-keys", Admin);
        Assert.True(list.Status == HttpStatusCode.OK, list.ToString());
        var listed = Assert.IsType<JsonObject>(Assert.Single(list.Json["data"]!.AsArray()));
        Assert.Equal(id, Str(listed, "id"));
        Assert.Equal(prefix, Str(listed, "prefix"));
        Assert.Null(listed["key"]);
        Assert.Null(listed["revoked_at"]);
        Assert.DoesNotContain(key[12..], list.Text, StringComparison.Ordinal);
    }

    [StoreFact]
    public async Task Create_WithAnIdempotencyKey_RetryGetsTheSameKeyIdWithoutTheSecret_AndMakesNoSecondKey()
    {
        var key = $"create-key-{Guid.NewGuid():N}";
        Task<Reply> CreateAsync() => Api.PostAsync("/v1/api-keys", Admin, KeyBody("deploy bot", "approvals:read"), ("Idempotency-Key", key));

        var first = await CreateAsync();
        var retry = await CreateAsync();

        Assert.True(first.Status == HttpStatusCode.Created, first.ToString());
        Assert.True(retry.Status == HttpStatusCode.Created, retry.ToString());
        Assert.Equal("true", retry.Header("Idempotent-Replayed"));
        Assert.Equal(Str(first.Json, "id"), Str(retry.Json, "id"));
        Assert.NotNull(Str(first.Json, "key"));
        Assert.Null(retry.Json["key"]);
        var list = await Api.GetAsync("/v1/api-keys", Admin);
        Assert.Single(list.Json["data"]!.AsArray());
    }

    [StoreFact]
    public async Task Create_UnknownOrNoScopesOrNoName_Returns400()
    {
        AssertProblem(await Api.PostAsync("/v1/api-keys", Admin, KeyBody("bot", "approvals:read", "approvals:delete")),
            HttpStatusCode.BadRequest, "validation_error");
        AssertProblem(await Api.PostAsync("/v1/api-keys", Admin, KeyBody("bot")), HttpStatusCode.BadRequest, "validation_error");
        AssertProblem(await Api.PostAsync("/v1/api-keys", Admin, KeyBody(" ", "admin")), HttpStatusCode.BadRequest, "validation_error");

        var list = await Api.GetAsync("/v1/api-keys", Admin);
        Assert.Empty(list.Json["data"]!.AsArray());
    }

    [StoreFact]
    public async Task NonAdminPerson_CannotManageKeys()
    {
        var id = Str(await CreateKeyAsync(Admin, "approvals:read"), "id");

        foreach (var person in new[] { Requester, Reviewer, Person("mia", "Mia Manager", "manager", "security_manager") })
        {
            AssertProblem(await Api.PostAsync("/v1/api-keys", person, KeyBody("bot", "approvals:read")), HttpStatusCode.Forbidden, "forbidden");
            AssertProblem(await Api.GetAsync("/v1/api-keys", person), HttpStatusCode.Forbidden, "forbidden");
            AssertProblem(await Api.DeleteAsync($"/v1/api-keys/{id}", person), HttpStatusCode.Forbidden, "forbidden");
        }
    }

    [StoreFact]
    public async Task AnotherTenantsKey_Is404_AndStaysValid()
    {
        var created = await CreateKeyAsync(Admin, "approvals:read");
        var key = new ApiKey(Str(created, "key")!);

        AssertProblem(await Api.DeleteAsync($"/v1/api-keys/{Str(created, "id")}", OtherAdmin), HttpStatusCode.NotFound, "not_found");

        Assert.Empty((await Api.GetAsync("/v1/api-keys", OtherAdmin)).Json["data"]!.AsArray());
        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync("/v1/approvals", key)).Status);
    }

    [StoreFact]
    public async Task Revoke_UnknownId_Returns404()
    {
        AssertProblem(await Api.DeleteAsync("/v1/api-keys/key_missing", Admin), HttpStatusCode.NotFound, "not_found");
    }

    // ---- authentication ----

    [StoreFact]
    public async Task Key_WorksAsBearerAndAsXApiKey()
    {
        var key = await NewKeyAsync("approvals:read");

        var bearer = await Api.GetAsync("/v1/approvals", key);
        var header = await Api.GetAsync("/v1/approvals", key.ViaXApiKey);

        Assert.True(bearer.Status == HttpStatusCode.OK, bearer.ToString());
        Assert.True(header.Status == HttpStatusCode.OK, header.ToString());
    }

    [StoreFact]
    public async Task Key_ActsInItsTenant()
    {
        var key = await NewKeyAsync("approvals:create", "approvals:read");

        var filed = await Api.PostAsync("/v1/approvals", key, ApprovalBody());

        Assert.True(filed.Status == HttpStatusCode.Created, filed.ToString());
        var id = Str(filed.Json, "id")!;
        Assert.Equal(Tenant, Str(filed.Json, "tenant_id"));
        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync($"/v1/approvals/{id}", Reviewer)).Status);
        AssertProblem(await Api.GetAsync($"/v1/approvals/{id}", OtherAdmin), HttpStatusCode.NotFound, "not_found");
    }

    [StoreFact]
    public async Task MalformedUnknownOrAlteredKey_Returns401()
    {
        var real = Str(await CreateKeyAsync(Admin, "approvals:read"), "key")!;
        var altered = real[..^1] + (real[^1] == 'a' ? 'b' : 'a');
        var unknown = "ak_zzzzzzzz_" + new string('0', 32);

        foreach (var text in new[] { "ak_nonsense", "not-a-key", altered, unknown })
        {
            AssertProblem(await Api.GetAsync("/v1/approvals", new ApiKey(text)), HttpStatusCode.Unauthorized, "unauthorized");
            AssertProblem(await Api.GetAsync("/v1/approvals", new ApiKey(text).ViaXApiKey), HttpStatusCode.Unauthorized, "unauthorized");
        }
    }

    [StoreFact]
    public async Task Revoke_TheVeryNextRequestWithTheKeyIs401()
    {
        var created = await CreateKeyAsync(Admin, "approvals:read");
        var key = new ApiKey(Str(created, "key")!);
        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync("/v1/approvals", key)).Status);

        var revoke = await Api.DeleteAsync($"/v1/api-keys/{Str(created, "id")}", Admin);

        Assert.True(revoke.Status == HttpStatusCode.NoContent, revoke.ToString());
        AssertProblem(await Api.GetAsync("/v1/approvals", key), HttpStatusCode.Unauthorized, "unauthorized");
        AssertProblem(await Api.GetAsync("/v1/approvals", key.ViaXApiKey), HttpStatusCode.Unauthorized, "unauthorized");
        var listed = Assert.Single((await Api.GetAsync("/v1/api-keys", Admin)).Json["data"]!.AsArray());
        Assert.NotNull(Str(listed, "revoked_at"));
        Assert.NotNull(Str(listed, "last_used_at"));
    }

    // ---- scopes ----

    [StoreFact]
    public async Task ApprovalsRead_ReadsApprovals_AndNothingElse()
    {
        var id = await FileApprovalAsync();
        var key = await NewKeyAsync("approvals:read");

        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync("/v1/approvals", key)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync($"/v1/approvals/{id}", key)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync($"/v1/approvals/{id}/status", key)).Status);
        AssertProblem(await Api.PostAsync("/v1/approvals", key, ApprovalBody()), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await Api.GetAsync("/v1/workflows", key), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await Api.PostAsync("/v1/workflows", key, TaskWorkflow()), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await Api.GetAsync("/v1/api-keys", key), HttpStatusCode.Forbidden, "forbidden");
    }

    [StoreFact]
    public async Task ApprovalsCreate_FilesApprovals_AndNothingElse()
    {
        var other = await FileApprovalAsync();
        var key = await NewKeyAsync("approvals:create");

        var filed = await Api.PostAsync("/v1/approvals", key, ApprovalBody());

        Assert.True(filed.Status == HttpStatusCode.Created, filed.ToString());
        AssertProblem(await Api.GetAsync("/v1/approvals", key), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await Api.GetAsync($"/v1/approvals/{other}", key), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await Api.GetAsync("/v1/workflows", key), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await Api.PostAsync("/v1/workflows", key, TaskWorkflow()), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await Api.PostAsync("/v1/api-keys", key, KeyBody("bot", "approvals:read")), HttpStatusCode.Forbidden, "forbidden");
    }

    [StoreFact]
    public async Task WorkflowsRead_ReadsWorkflows_AndNothingElse()
    {
        var started = await Api.PostAsync("/v1/workflows", Requester, TaskWorkflow());
        Assert.True(started.Status == HttpStatusCode.Created, started.ToString());
        var key = await NewKeyAsync("workflows:read");

        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync("/v1/workflows", key)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync($"/v1/workflows/{Str(started.Json, "id")}", key)).Status);
        AssertProblem(await Api.PostAsync("/v1/workflows", key, TaskWorkflow()), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await Api.GetAsync("/v1/approvals", key), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await Api.PostAsync("/v1/approvals", key, ApprovalBody()), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await Api.GetAsync("/v1/api-keys", key), HttpStatusCode.Forbidden, "forbidden");
    }

    [StoreFact]
    public async Task WorkflowsWrite_StartsWorkflows_AndNothingElse()
    {
        var key = await NewKeyAsync("workflows:write");

        var started = await Api.PostAsync("/v1/workflows", key, TaskWorkflow());

        Assert.True(started.Status == HttpStatusCode.Created, started.ToString());
        AssertProblem(await Api.GetAsync("/v1/workflows", key), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await Api.GetAsync("/v1/approvals", key), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await Api.PostAsync("/v1/approvals", key, ApprovalBody()), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await Api.GetAsync("/v1/api-keys", key), HttpStatusCode.Forbidden, "forbidden");
    }

    [StoreFact]
    public async Task EventsRead_GrantsNoApprovalOrWorkflowCall()
    {
        var key = await NewKeyAsync("events:read");

        AssertProblem(await Api.GetAsync("/v1/approvals", key), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await Api.PostAsync("/v1/approvals", key, ApprovalBody()), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await Api.GetAsync("/v1/workflows", key), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await Api.PostAsync("/v1/workflows", key, TaskWorkflow()), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await Api.GetAsync("/v1/api-keys", key), HttpStatusCode.Forbidden, "forbidden");
    }

    [StoreFact]
    public async Task AdminScope_ManagesKeys()
    {
        var admin = await NewKeyAsync("admin");

        var created = await Api.PostAsync("/v1/api-keys", admin, KeyBody("child", "approvals:read"));
        Assert.True(created.Status == HttpStatusCode.Created, created.ToString());
        var childId = Str(created.Json, "id")!;
        var child = new ApiKey(Str(created.Json, "key")!);
        Assert.Equal(2, (await Api.GetAsync("/v1/api-keys", admin)).Json["data"]!.AsArray().Count);

        Assert.Equal(HttpStatusCode.NoContent, (await Api.DeleteAsync($"/v1/api-keys/{childId}", admin)).Status);

        AssertProblem(await Api.GetAsync("/v1/approvals", child), HttpStatusCode.Unauthorized, "unauthorized");
    }

    // ---- a key never decides ----

    [StoreFact]
    public async Task Key_ApprovingRejectingOrBulkDeciding_Returns403Forbidden_EvenWithEveryScope()
    {
        var id = await FileApprovalAsync();
        var key = await NewKeyAsync("approvals:read", "approvals:create", "workflows:read", "workflows:write", "events:read", "admin");
        var ids = new JsonObject { ["ids"] = new JsonArray(id) };

        AssertProblem(await Api.PostAsync($"/v1/approvals/{id}/approve", key, new JsonObject()), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await Api.PostAsync($"/v1/approvals/{id}/reject", key, new JsonObject { ["reason"] = "no" }), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await Api.PostAsync("/v1/approvals/bulk-approve", key, ids), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await Api.PostAsync("/v1/approvals/bulk-reject", key, ids), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await Api.PostAsync($"/v1/approvals/{id}/approve", key.ViaXApiKey, new JsonObject()), HttpStatusCode.Forbidden, "forbidden");

        var approval = await Api.GetAsync($"/v1/approvals/{id}", Reviewer);
        Assert.Equal("pending", Str(approval.Json, "status"));
        Assert.Equal("1", approval.Header("ETag")?.Trim('"'));
    }

    // ---- a person is not a key, whatever their sub ----

    [StoreFact]
    public async Task APersonWhoseSubIsAKeysId_CannotCancelOrExtendTheKeysRequest_AndDecidingItIsNotSelfApproval()
    {
        var created = await CreateKeyAsync(Admin, "approvals:create", "approvals:read");
        var key = new ApiKey(Str(created, "key")!);
        var id = Str((await Api.PostAsync("/v1/approvals", key, ApprovalBody())).Json, "id")!;
        // The identity provider issued this person the key's id as sub (by accident or by design).
        var namesake = Person(Str(created, "id")!, "Nat Namesake", "requester", "reviewer");
        var later = new JsonObject { ["expires_at"] = DateTimeOffset.UtcNow.AddHours(5).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) };

        AssertProblem(await Api.PostAsync($"/v1/approvals/{id}/cancel", namesake, new JsonObject { ["reason"] = "not mine" }), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await Api.PostAsync($"/v1/approvals/{id}/extend", namesake, later), HttpStatusCode.Forbidden, "forbidden");
        var untouched = await Api.GetAsync($"/v1/approvals/{id}", Reviewer);
        Assert.Equal(("pending", "1"), (Str(untouched.Json, "status"), untouched.Header("ETag")?.Trim('"')));

        // Not the requester, so a reviewer like any other: the request's policy forbids only self-approval.
        var approved = await Api.PostAsync($"/v1/approvals/{id}/approve", namesake, new JsonObject());
        Assert.True(approved.Status == HttpStatusCode.OK, approved.ToString());
        Assert.Equal("approved", Str(approved.Json, "status"));

        // The key itself still is the requester of what it files.
        var another = Str((await Api.PostAsync("/v1/approvals", key, ApprovalBody())).Json, "id")!;
        Assert.Equal(HttpStatusCode.OK, (await Api.PostAsync($"/v1/approvals/{another}/extend", key, later)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Api.PostAsync($"/v1/approvals/{another}/cancel", key, new JsonObject())).Status);
    }

    [StoreFact]
    public async Task APersonWhoseSubIsAKeysId_CannotCancelTheKeysWorkflowOrTheApprovalItFiled()
    {
        var created = await CreateKeyAsync(Admin, "workflows:write", "workflows:read");
        var key = new ApiKey(Str(created, "key")!);
        var plan = new JsonObject
        {
            ["name"] = "rotate-credentials",
            ["steps"] = new JsonArray(new JsonObject
            {
                ["id"] = "review",
                ["type"] = "approval",
                ["approval"] = ApprovalBody("Rotate the credentials"),
            }),
        };
        var started = await Api.PostAsync("/v1/workflows", key, plan);
        Assert.True(started.Status == HttpStatusCode.Created, started.ToString());
        var workflowId = Str(started.Json, "id")!;
        var approvalId = Str(started.Json["history"]![0], "approval_id")!;
        var namesake = Person(Str(created, "id")!, "Nat Namesake", "requester");

        AssertProblem(await Api.PostAsync($"/v1/workflows/{workflowId}/cancel", namesake, new JsonObject()), HttpStatusCode.Forbidden, "forbidden");
        AssertProblem(await Api.PostAsync($"/v1/approvals/{approvalId}/cancel", namesake, new JsonObject()), HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal("waiting_approval", Str((await Api.GetAsync($"/v1/workflows/{workflowId}", key)).Json, "status"));
        Assert.Equal("pending", Str((await Api.GetAsync($"/v1/approvals/{approvalId}", Reviewer)).Json, "status"));

        // The key that started it may cancel it (and with it the approval it waits on).
        Assert.Equal(HttpStatusCode.OK, (await Api.PostAsync($"/v1/workflows/{workflowId}/cancel", key, new JsonObject())).Status);
    }
}
