using System.Net;
using System.Text.Json.Nodes;
using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Approvals;
using Approvals.Core.Storage;
using Approvals.Testing.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Server.Tests.Approvals;

/// <summary>Nesting, control characters and malformed objects: refused with 400, never stored, never a 500.</summary>
public abstract partial class ApprovalsApiTests<TServer>
{
    /// <summary>A JSON object nested <paramref name="levels"/> deep: <c>{"a":{"a":…{"a":1}…}}</c>.</summary>
    private static string Nested(int levels) => string.Concat(Enumerable.Repeat("{\"a\":", levels)) + "1" + new string('}', levels);

    [StoreFact]
    public async Task Create_ContextDeeperThanTheStoredLimit_Returns400ForContext_AndTheTenantStaysReadable()
    {
        foreach (var levels in new[] { StoredJson.MaxDepth + 1, 40, 62 })
        {
            var before = await TenantSnapshotAsync();
            var response = await Api.PostAsync("/v1/approvals", Requester, $"{{\"title\": \"deep\", \"context\": {Nested(levels)}}}");
            AssertValidationError(response, "context");
            Assert.Equal(before, await TenantSnapshotAsync());
        }

        // The deepest allowed context is stored and every response that embeds it can be written.
        var id = Str((await Api.PostAsync("/v1/approvals", Requester, $"{{\"title\": \"deep\", \"context\": {Nested(StoredJson.MaxDepth)}}}")).Json["id"])!;
        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync(PathOf(id), Reviewer)).Status);
        Assert.Equal([id], Ids((await Api.GetAsync("/v1/approvals", Reviewer)).Json));
        Assert.Equal(HttpStatusCode.OK, (await ApproveAsync(id, Reviewer, "ok")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync("/v1/approvals?status=approved", Reviewer)).Status);
    }

    [StoreFact]
    public async Task StoredContextDeeperThanTheLimit_FromBeforeTheLimit_IsStillReadable()
    {
        // Data stored before the limit existed (requests allowed 64 levels then): written straight
        // to the store, as an older version of the server did.
        var store = Server.Services.GetRequiredService<IStateStore>();
        var now = DateTimeOffset.UtcNow;
        var id = $"apr_{Guid.NewGuid():N}";
        var state = new ApprovalState
        {
            Id = id, TenantId = Tenant, Status = ApprovalStatus.Pending, Title = "old and deep", RiskScore = 10,
            RequiredApprovalLevel = 1, ContextJson = Nested(62), RequestedBy = Requester.Id, Policy = ApprovalPolicy.Default,
            Decisions = [], ExpiresAt = now.AddHours(1), CreatedAt = now, UpdatedAt = now, Version = 1,
        };
        Assert.Equal([WriteOutcome.Committed], await store.SaveAsync([new ApprovalWrite(state, 0, [], null)], CancellationToken.None));

        var one = await Api.GetAsync(PathOf(id), Reviewer);
        Assert.True(one.Status == HttpStatusCode.OK, one.ToString());
        var list = await Api.GetAsync("/v1/approvals", Reviewer);
        Assert.True(list.Status == HttpStatusCode.OK, list.ToString());
        Assert.Equal([id], Ids(list.Json));
    }

    [StoreFact]
    public async Task ControlCharactersInAnyText_Return400_AndChangeNothing()
    {
        var id = await CreateIdAsync();
        var before = await TenantSnapshotAsync();
        var approval = await GetApprovalAsync(id);

        foreach (var (body, field) in new[]
        {
            ("{\"title\": \"deploy\\u0000now\"}", "title"),
            ("{\"title\": \"deploy\\u0007\"}", "title"),
            ("{\"title\": \"x\", \"summary\": \"a\\u001bb\"}", "summary"),
            ("{\"title\": \"x\", \"agent_id\": \"\\u0000\"}", "agent_id"),
            ("{\"title\": \"x\", \"context\": {\"k\": \"v\\u0000\"}}", "context.k"),
            ("{\"title\": \"x\", \"context\": {\"k\": [\"ok\", \"\\u0001\"]}}", "context.k[1]"),
            ("{\"title\": \"x\", \"context\": {\"\\u0000\": 1}}", "context"),
            ("{\"title\": \"x\", \"policy\": {\"approvers\": [\"user\\u0000\"]}}", "policy.approvers[0]"),
        })
        {
            AssertValidationError(await Api.PostAsync("/v1/approvals", Requester, body), field);
        }
        AssertValidationError(await Api.PostAsync($"{PathOf(id)}/approve", Reviewer, "{\"note\": \"fine\\u0000\"}"), "note");
        AssertValidationError(await Api.PostAsync($"{PathOf(id)}/reject", Reviewer, "{\"reason\": \"\\u0002\"}"), "reason");

        foreach (var (query, field) in new[]
        {
            ("agent_id=a%00b", "agent_id"), ("requested_by=%00", "requested_by"), ("status=pending%01", "status"),
            ("workflow_id=%1F", "workflow_id"), ($"cursor={Cursor("1|apr_\0x")}", "cursor"),
        })
        {
            AssertValidationError(await Api.GetAsync($"/v1/approvals?{query}", Requester), field);
        }
        AssertValidationError(await Api.GetAsync("/v1/approvals/count?status=%00", Requester), "status");
        // (A NUL in the path is refused by the server itself before any middleware: Kestrel answers 400.)
        AssertValidationError(await Api.GetAsync("/v1/approvals/apr_%01x", Requester), "path");
        AssertValidationError(await Api.PostAsync("/v1/approvals/apr_%1Fx/approve", Reviewer, "{}"), "path");

        Assert.Equal(before, await TenantSnapshotAsync());
        Assert.True(JsonNode.DeepEquals(approval, await GetApprovalAsync(id)));

        // Tabs and line breaks are text.
        var multiline = await Api.PostAsync("/v1/approvals", Requester, "{\"title\": \"two\\tparts\", \"summary\": \"line 1\\r\\nline 2\"}");
        Assert.Equal(HttpStatusCode.Created, multiline.Status);
        Assert.Equal("line 1\r\nline 2", Str(multiline.Json["summary"]));
    }

    [StoreFact]
    public async Task MalformedObjects_Return400_AndChangeNothing()
    {
        var before = await TenantSnapshotAsync();

        foreach (var (body, field) in new[]
        {
            ("{\"title\": \"a\", \"title\": \"b\"}", "title"),
            ("{\"title\": \"x\", \"context\": {\"a\": 1, \"a\": 2}}", "context.a"),
            ("{\"title\": \"x\", \"policy\": {\"approvers\": [\"u\"], \"approvers\": []}}", "policy.approvers"),
            ("{\"title\": \"x\", \"context\": {\"\\ud800\": 1}}", "context"),
            ("{\"title\": \"x\", \"context\": {\"k\": \"\\udc00\"}}", "context.k"),
            ("{\"title\": \"\\ud800x\"}", "title"),
            ("{\"\\ud800\": 1, \"title\": \"x\"}", "body"),
        })
        {
            AssertValidationError(await Api.PostAsync("/v1/approvals", Requester, body), field);
        }
        // A well-formed pair of surrogates is text like any other.
        Assert.Equal(HttpStatusCode.Created, (await Api.PostAsync("/v1/approvals", Requester, "{\"title\": \"ok \\ud83d\\ude80\"}")).Status);
        Assert.NotEqual(before, await TenantSnapshotAsync());
    }

    [StoreFact]
    public async Task AnOversizedTargetOrHeaderBlock_IsAProblemToo_414And431()
    {
        var before = await TenantSnapshotAsync();

        var longQuery = await Api.GetAsync($"/v1/approvals?agent_id={new string('a', 9000)}", Requester);
        var bigHeaders = await Api.PostAsync("/v1/approvals", Requester, NewRequest(),
            ("X-Padding-1", new string('p', 20_000)), ("X-Padding-2", new string('q', 20_000)));

        Assert.Equal(414, (int)longQuery.Status);
        Assert.Equal("application/problem+json", longQuery.MediaType);
        Assert.Equal("http_414", longQuery.Code);
        Assert.Equal(431, (int)bigHeaders.Status);
        Assert.Equal("application/problem+json", bigHeaders.MediaType);
        Assert.Equal(431, bigHeaders.Json["status"]!.GetValue<int>());
        Assert.Equal(before, await TenantSnapshotAsync());
        // Just under the limits is answered as usual.
        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync($"/v1/approvals?agent_id={new string('a', 7000)}", Requester)).Status);
    }

    private static string Cursor(string raw) =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(raw)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
