using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Approvals.Testing.Storage;

namespace Approvals.Server.Tests.Approvals;

public abstract partial class ApprovalsApiTests<TServer>
{
    [StoreFact]
    public async Task Create_MissingOrEmptyTitle_Returns400ForTitle()
    {
        await AssertCreateRefusedAsync(new JsonObject { ["risk_score"] = 10 }, "title");
        await AssertCreateRefusedAsync(new JsonObject { ["title"] = "" }, "title");
        await AssertCreateRefusedAsync(new JsonObject { ["title"] = "   " }, "title");
        await AssertCreateRefusedAsync(new JsonObject { ["title"] = null }, "title");
    }

    [StoreFact]
    public async Task Create_TitleOver200Characters_Returns400ForTitle()
    {
        await AssertCreateRefusedAsync(NewRequest(title: new string('t', 201)), "title");
        Assert.Equal(200, Str((await CreateApprovalAsync(NewRequest(title: new string('t', 200))))["title"])!.Length);
    }

    [StoreFact]
    public async Task Create_RiskScoreOutOfRange_Returns400ForRiskScore()
    {
        await AssertCreateRefusedAsync(NewRequest(101), "risk_score");
        await AssertCreateRefusedAsync(NewRequest(-1), "risk_score");
    }

    [StoreFact]
    public async Task Create_WrongTypes_Return400ForTheField()
    {
        await AssertCreateRefusedAsync("""{ "title": "Deploy", "risk_score": "high" }""", "risk_score");
        await AssertCreateRefusedAsync("""{ "title": "Deploy", "risk_score": 72.5 }""", "risk_score");
        await AssertCreateRefusedAsync("""{ "title": 42 }""", "title");
        await AssertCreateRefusedAsync("""{ "title": "Deploy", "policy": { "required_approvals": "two" } }""", "policy.required_approvals");
        await AssertCreateRefusedAsync("""{ "title": "Deploy", "policy": "strict" }""", "policy");
        await AssertCreateRefusedAsync("""{ "title": "Deploy", "expires_at": "tomorrow" }""", "expires_at");
    }

    [StoreFact]
    public async Task Create_ContextNotAnObject_Returns400ForContext()
    {
        await AssertCreateRefusedAsync("""{ "title": "Deploy", "context": "recipient=partner" }""", "context");
        await AssertCreateRefusedAsync("""{ "title": "Deploy", "context": [1, 2] }""", "context");
        await AssertCreateRefusedAsync("""{ "title": "Deploy", "context": 7 }""", "context");
    }

    [StoreFact]
    public async Task Create_ContextOver64KiB_Returns400ForContext()
    {
        var body = NewRequest();
        body["context"] = new JsonObject { ["blob"] = new string('x', 65 * 1024) };

        await AssertCreateRefusedAsync(body, "context");
    }

    [StoreFact]
    public async Task Create_BadExpiry_Returns400()
    {
        foreach (var expiresIn in new[] { "4 hours", "PT0S", "-PT1H", "P400D", "" })
        {
            var body = NewRequest();
            body["expires_in"] = expiresIn;
            await AssertCreateRefusedAsync(body, "expires_in");
        }
        var past = NewRequest();
        past["expires_at"] = Iso(DateTimeOffset.UtcNow.AddHours(-1));
        await AssertCreateRefusedAsync(past, "expires_at");
    }

    [StoreFact]
    public async Task Create_UnknownOnExpiry_Returns400()
    {
        var body = NewRequest();
        body["policy"] = new JsonObject { ["on_expiry"] = "explode" };

        await AssertCreateRefusedAsync(body, "policy.on_expiry");
    }

    [StoreFact]
    public async Task Create_RequiredApprovalsOutside1To10_Returns400()
    {
        foreach (var required in new[] { 0, 11 })
        {
            var body = NewRequest();
            body["policy"] = new JsonObject { ["required_approvals"] = required };
            await AssertCreateRefusedAsync(body, "policy.required_approvals");
        }
        var ten = NewRequest();
        ten["policy"] = new JsonObject { ["required_approvals"] = 10 };
        Assert.Equal(10, (await CreateApprovalAsync(ten))["policy"]!["required_approvals"]!.GetValue<int>());
    }

    [StoreFact]
    public async Task Create_SeveralBadFields_ListsEachOne()
    {
        var body = new JsonObject { ["risk_score"] = 101, ["context"] = "text", ["policy"] = new JsonObject { ["required_approvals"] = 0 } };

        var problem = await AssertCreateRefusedAsync(body, "title");

        var errors = problem["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("risk_score") && errors.ContainsKey("context") && errors.ContainsKey("policy.required_approvals"), errors.ToJsonString());
    }

    [StoreFact]
    public async Task Create_MalformedOrMissingBody_Returns400()
    {
        var before = await TenantSnapshotAsync();

        foreach (var body in new[] { "{\"title\": ", "{\"title\": \"x\",}", "not json", "[]", "\"a string\"", "null" })
        {
            AssertProblem(await Api.PostAsync("/v1/approvals", Requester, body), HttpStatusCode.BadRequest, "validation_error");
        }
        AssertProblem(await Api.PostAsync("/v1/approvals", Requester, null), HttpStatusCode.BadRequest, "validation_error");

        Assert.Equal(before, await TenantSnapshotAsync());
    }

    [StoreFact]
    public async Task Create_BodyOver256KiB_Returns413PayloadTooLarge()
    {
        var before = await TenantSnapshotAsync();
        var body = NewRequest();
        body["summary"] = new string('s', 300 * 1024);

        var response = await Api.PostAsync("/v1/approvals", Requester, body);

        AssertProblem(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.Equal(before, await TenantSnapshotAsync());
    }

    [StoreFact]
    public async Task Approve_BodyOver256KiB_Returns413AndChangesNothing()
    {
        var id = await CreateIdAsync();
        var before = await GetApprovalAsync(id);

        var response = await ApproveAsync(id, Reviewer, new string('n', 300 * 1024));

        AssertProblem(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.True(JsonNode.DeepEquals(before, await GetApprovalAsync(id)));
    }

    [StoreFact]
    public async Task Create_ChunkedBody_WithoutContentLength_IsReadWhole()
    {
        var body = NewRequest();
        // 40 KiB: more than one read of the body stream.
        body["context"] = new JsonObject { ["notes"] = new string('n', 40 * 1024) };

        var response = await Api.SendAsync(ChunkedPost("/v1/approvals", body.ToJsonString()));

        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.True(JsonNode.DeepEquals(body["context"], response.Json["context"]));
    }

    [StoreFact]
    public async Task Create_ChunkedBodyOver256KiB_Returns413AndChangesNothing()
    {
        var before = await TenantSnapshotAsync();
        var body = NewRequest();
        body["summary"] = new string('s', 300 * 1024);

        var response = await Api.SendAsync(ChunkedPost("/v1/approvals", body.ToJsonString()));

        AssertProblem(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.Equal(before, await TenantSnapshotAsync());
    }

    /// <summary>A POST whose body has no declared length: sent chunked, so the server reads it to its end.</summary>
    private HttpRequestMessage ChunkedPost(string path, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StreamContent(new UnknownLengthStream(Encoding.UTF8.GetBytes(json))),
        };
        request.Content.Headers.ContentType = new("application/json");
        Requester.Apply(request);
        return request;
    }

    /// <summary>A readable stream that cannot tell its length, so HttpClient sends it with Transfer-Encoding: chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }

    [StoreFact]
    public async Task EveryCall_WithHostileInput_Returns4xxAndChangesNothing()
    {
        var id = await CreateIdAsync();
        var before = await TenantSnapshotAsync();
        var nested = string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200);
        var responses = new List<(string What, Reply Response)>();
        async Task SendAsync(string what, Func<Task<Reply>> send) => responses.Add((what, await send()));

        foreach (var (what, body) in new[]
        {
            ("deeply nested context", $"{{\"title\": \"x\", \"context\": {nested}}}"),
            ("huge number", "{\"title\": \"x\", \"risk_score\": 1e400}"),
            ("int overflow", "{\"title\": \"x\", \"risk_score\": 2147483648}"),
            ("duration overflow", "{\"title\": \"x\", \"expires_in\": \"P99999999999999D\"}"),
            ("time without zone", "{\"title\": \"x\", \"expires_at\": \"2030-01-01T00:00:00\"}"),
            ("year 9999", "{\"title\": \"x\", \"expires_at\": \"9999-12-31T23:59:59Z\"}"),
            ("year 1", "{\"title\": \"x\", \"expires_at\": \"0001-01-01T00:00:00Z\"}"),
            ("null policy lists", "{\"title\": \"x\", \"policy\": {\"approvers\": [null], \"approver_roles\": [null]}}"),
            ("unknown role", "{\"title\": \"x\", \"policy\": {\"approver_roles\": [\"janitor\"]}}"),
            ("too few approvers", "{\"title\": \"x\", \"policy\": {\"required_approvals\": 3, \"approvers\": [\"a\", \"b\"]}}"),
            ("both deadlines", "{\"title\": \"x\", \"expires_in\": \"PT1H\", \"expires_at\": \"2030-01-01T00:00:00Z\"}"),
        })
        {
            await SendAsync($"create: {what}", () => Api.PostAsync("/v1/approvals", Requester, body));
        }
        await SendAsync("create: invalid UTF-8", () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/approvals") { Content = new ByteArrayContent([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            Requester.Apply(request);
            return Api.SendAsync(request);
        });
        await SendAsync("create: text/plain", () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/approvals") { Content = new StringContent(NewRequest().ToJsonString()) };
            Requester.Apply(request);
            return Api.SendAsync(request);
        });
        await SendAsync("extend: year 9999", () => Api.PostAsync($"{PathOf(id)}/extend", Requester, "{\"expires_at\": \"9999-12-31T23:59:59Z\"}"));
        await SendAsync("approve: If-Match overflow", () => ApproveAsync(id, Reviewer, null, ("If-Match", "\"99999999999999999999999\"")));
        await SendAsync("approve: If-Match list", () => ApproveAsync(id, Reviewer, null, ("If-Match", "\"1\", \"2\"")));
        await SendAsync("get: long id", () => Api.GetAsync(PathOf(new string('a', 5000)), Requester));
        await SendAsync("get: odd id", () => Api.GetAsync(PathOf(Uri.EscapeDataString("apr_'; DROP TABLE approvals; --")), Requester));
        await SendAsync("approve: odd id", () => ApproveAsync(Uri.EscapeDataString("apr_%25 ünï/cödé"), Reviewer));
        await SendAsync("bulk: ids of numbers", () => Api.PostAsync("/v1/approvals/bulk-approve", Reviewer, "{\"ids\": [1, 2]}"));
        await SendAsync("status: huge wait", () => Api.GetAsync($"{PathOf(id)}/status?wait=99999999999999", Requester));
        await SendAsync("list: huge limit", () => Api.GetAsync("/v1/approvals?limit=99999999999999999999", Requester));
        await SendAsync("list: year 0", () => Api.GetAsync("/v1/approvals?created_after=0000-01-01T00:00:00Z", Requester));
        await SendAsync("list: cursor of garbage", () => Api.GetAsync($"/v1/approvals?cursor={Uri.EscapeDataString("eyJ0IjoiIn0=")}", Requester));

        foreach (var (what, response) in responses)
        {
            Assert.True((int)response.Status is >= 400 and < 500, $"{what}: {response}");
            Assert.Equal("application/problem+json", response.MediaType);
        }
        // Well-formed extremes are answered, not refused.
        static string Cursor(long ticks) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{ticks}|apr_x")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        Assert.Empty(Ids((await Api.GetAsync($"/v1/approvals?cursor={Cursor(0)}", Requester)).Json));
        Assert.Equal([id], Ids((await Api.GetAsync($"/v1/approvals?cursor={Cursor(DateTimeOffset.MaxValue.UtcTicks)}", Requester)).Json));
        Assert.Empty(Ids((await Api.GetAsync("/v1/approvals?created_after=9999-12-31T23:59:59Z", Requester)).Json));
        Assert.Empty(Ids((await Api.GetAsync("/v1/approvals?created_before=0001-01-01T00:00:00Z", Requester)).Json));
        // Ids are checked one by one: odd ones are simply not found.
        var bulk = await Api.PostAsync("/v1/approvals/bulk-approve", Reviewer, new JsonObject { ["ids"] = new JsonArray(new string('b', 5000), "apr_'; --") });
        Assert.Equal(HttpStatusCode.OK, bulk.Status);
        Assert.All(bulk.Json["results"]!.AsArray(), r => Assert.Equal("not_found", Str(r!["error"]!["code"])));
        Assert.Equal(before, await TenantSnapshotAsync());
    }

    /// <summary>A create the server must refuse with 400 for <paramref name="field"/>, leaving the tenant as it was.</summary>
    private async Task<JsonObject> AssertCreateRefusedAsync(object body, string field)
    {
        var before = await TenantSnapshotAsync();
        var response = await Api.PostAsync("/v1/approvals", Requester, body);
        var problem = AssertValidationError(response, field);
        Assert.Equal(before, await TenantSnapshotAsync());
        return problem;
    }
}
