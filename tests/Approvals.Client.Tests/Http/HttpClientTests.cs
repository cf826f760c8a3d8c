using System.Net;
using System.Text.Json;
using Approvals.Client.Tests.Support;
using Approvals.Contracts;
using Approvals.Server.Tests.Support;
using Approvals.Testing;
using Approvals.Testing.Storage;
using static Approvals.Client.Tests.Support.FaultInjection;

namespace Approvals.Client.Tests.Http;

/// <summary>
/// <see cref="ApprovalsClient"/> as an application builds it (<c>AddApprovalsClient</c>), against the real
/// server, written once and subclassed per backend. Asynchronous arrivals are awaited with deadlines, never by
/// sleeping; nothing here measures a duration.
/// </summary>
public abstract partial class HttpClientTests<TServer>(TServer server) : ClientTests<TServer>(server) where TServer : ServerFixture
{
    /// <summary>How long a test waits for something that should come within a moment.</summary>
    protected static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    protected static CreateApprovalRequest Request(string title = "Send Q3 report", int risk = 30) => new()
    {
        Title = title,
        RiskScore = risk,
        ExpiresIn = "PT4H",
        Context = TestWorkflows.Json("""{"recipient":"partner@example.com"}"""),
    };

    [StoreFact]
    public async Task Create_ThenGetAndStatus_ReturnWhatWasFiled()
    {
        var client = ClientFor(Requester);

        var created = await client.CreateAsync(Request() with { Summary = "For the partner" });
        var read = await client.GetAsync(created.Id);
        var status = await client.GetStatusAsync(created.Id);

        Assert.StartsWith("apr_", created.Id, StringComparison.Ordinal);
        Assert.Equal(("pending", 1L, "low", "rita", Tenant), (created.Status, created.Version, created.RiskLevel, created.RequestedBy, created.TenantId));
        Assert.Equal(created.Id, read.Id);
        Assert.Equal("For the partner", read.Summary);
        Assert.Equal("partner@example.com", read.Context!["recipient"]!.GetValue<string>());
        Assert.Equal(new ApprovalStatusDto(created.Id, "pending", null, null, null, 1), status);
    }

    [StoreFact]
    public async Task Create_WhoseResponseIsLost_IsRetriedWithTheSameKey_AndFiledOnce()
    {
        var faults = new FaultInjection();
        faults.When((request, n) => request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath == "/v1/approvals" && n == 1
            ? new Fault.DropResponse()
            : null);
        var client = ClientFor(Requester, faults);

        var created = await client.CreateAsync(Request());

        var creates = faults.Attempts.Where(a => a.Method == "POST" && a.Path == "/v1/approvals").ToList();
        Assert.Equal(2, creates.Count);
        Assert.All(creates, a => Assert.Equal(HttpStatusCode.Created, a.Status));
        Assert.False(string.IsNullOrEmpty(creates[0].Header(ApprovalsClient.IdempotencyKeyHeader)));
        Assert.Equal(creates[0].Header(ApprovalsClient.IdempotencyKeyHeader), creates[1].Header(ApprovalsClient.IdempotencyKeyHeader));
        Assert.True(creates[1].Replayed, "the retry should get the first attempt's stored response");
        var filed = await client.ListAsync().ToListAsync();
        Assert.Equal([created.Id], filed.Select(a => a.Id));
        Assert.Equal(1, await client.CountAsync(ApprovalStatus.Pending));
    }

    [StoreFact]
    public async Task TwoCalls_DrawTwoIdempotencyKeys_AndAGivenKeyIsUsed()
    {
        var faults = new FaultInjection();
        var client = ClientFor(Requester, faults);

        var first = await client.CreateAsync(Request("one"));
        var second = await client.CreateAsync(Request("two"));
        var again = await client.CreateAsync(Request("three"), new WriteOptions { IdempotencyKey = "my-key-1" });
        var replayed = await client.CreateAsync(Request("three"), new WriteOptions { IdempotencyKey = "my-key-1" });

        var keys = faults.Attempts.Where(a => a.Method == "POST").Select(a => a.Header(ApprovalsClient.IdempotencyKeyHeader)).ToList();
        Assert.NotEqual(keys[0], keys[1]);
        Assert.Equal(["my-key-1", "my-key-1"], keys.Skip(2));
        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(again.Id, replayed.Id);
    }

    [StoreFact]
    public async Task BusyOrRateLimitedAnswers_AreRetriedAfterTheirRetryAfter()
    {
        foreach (var status in new[] { HttpStatusCode.ServiceUnavailable, HttpStatusCode.TooManyRequests })
        {
            var faults = new FaultInjection();
            faults.When((request, n) => request.Method == HttpMethod.Get && n == 1 ? new Fault.ReplaceResponse(status, "1") : null);
            // Without the server's Retry-After the retry would wait ten minutes: the deadline below fails it.
            var client = ClientFor(Requester, faults, o => o.RetryDelay = TimeSpan.FromMinutes(10));
            var created = await client.CreateAsync(Request());
            using var deadline = new CancellationTokenSource(Deadline);

            var read = await client.GetAsync(created.Id, deadline.Token);

            Assert.Equal(created.Id, read.Id);
            Assert.Equal(2, faults.Attempts.Count(a => a.Method == "GET"));
        }
    }

    [StoreFact]
    public async Task ListAsync_FollowsCursorsAcrossPages_NewestFirst()
    {
        var faults = new FaultInjection();
        var client = ClientFor(Requester, faults);
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await client.CreateAsync(Request($"request {i}"))).Id);
        }

        var listed = await client.ListAsync(new ApprovalListQuery { PageSize = 3 }).ToListAsync();
        var firstPage = await client.ListPageAsync(new ApprovalListQuery { PageSize = 3 });

        Assert.Equal(Enumerable.Reverse(ids), listed.Select(a => a.Id));
        var pages = faults.Attempts.Where(a => a.Method == "GET" && a.Path == "/v1/approvals").Take(3).ToList();
        Assert.Equal(3, pages.Count);
        Assert.DoesNotContain("cursor=", pages[0].Query, StringComparison.Ordinal);
        Assert.All(pages.Skip(1), p => Assert.Contains("cursor=", p.Query, StringComparison.Ordinal));
        Assert.Equal(3, firstPage.Data.Count);
        Assert.NotNull(firstPage.NextCursor);
    }

    [StoreFact]
    public async Task ListAsync_AppliesItsFilters_AndCountsMatch()
    {
        var requester = ClientFor(Requester);
        var reviewer = ClientFor(Reviewer);
        var low = await requester.CreateAsync(Request("low"));
        var medium = await requester.CreateAsync(Request("medium", risk: 50) with { AgentId = "agt_1" });
        await reviewer.ApproveAsync(low.Id, "fine");

        var approved = await reviewer.ListAsync(new ApprovalListQuery { Status = ApprovalStatus.Approved }).ToListAsync();
        var mediumRisk = await reviewer.ListAsync(new ApprovalListQuery { RiskLevel = RiskLevel.Medium }).ToListAsync();
        var byAgent = await reviewer.ListAsync(new ApprovalListQuery { AgentId = "agt_1", RequestedBy = "rita" }).ToListAsync();
        var later = await reviewer.ListAsync(new ApprovalListQuery { CreatedAfter = medium.CreatedAt.AddTicks(-10) }).ToListAsync();
        var earlier = await reviewer.ListAsync(new ApprovalListQuery { CreatedBefore = medium.CreatedAt }).ToListAsync();
        var counts = await reviewer.CountByStatusAsync();

        Assert.Equal([low.Id], approved.Select(a => a.Id));
        Assert.Equal([medium.Id], mediumRisk.Select(a => a.Id));
        Assert.Equal([medium.Id], byAgent.Select(a => a.Id));
        Assert.Equal([medium.Id], later.Select(a => a.Id));
        Assert.Equal([low.Id], earlier.Select(a => a.Id));
        Assert.Equal(1, await reviewer.CountAsync(ApprovalStatus.Pending));
        Assert.Equal(1, counts[ApprovalStatus.Approved]);
        Assert.Equal(1, counts[ApprovalStatus.Pending]);
        Assert.Equal(0, counts[ApprovalStatus.Rejected]);
    }

    [StoreFact]
    public async Task Decisions_Cancel_And_Extend_ReturnTheNewState()
    {
        var requester = ClientFor(Requester);
        var reviewer = ClientFor(Reviewer);
        var toApprove = await requester.CreateAsync(Request("approve me"));
        var toReject = await requester.CreateAsync(Request("reject me"));
        var toCancel = await requester.CreateAsync(Request("cancel me"));
        var toExtend = await requester.CreateAsync(Request("extend me"));
        var newDeadline = toExtend.ExpiresAt.AddHours(2);

        var approved = await reviewer.ApproveAsync(toApprove.Id, "looks fine", new WriteOptions { IfMatch = 1 });
        var rejected = await reviewer.RejectAsync(toReject.Id, "too risky");
        var cancelled = await requester.CancelAsync(toCancel.Id, "not needed");
        var extended = await requester.ExtendAsync(toExtend.Id, newDeadline, new WriteOptions { IfMatch = toExtend.Version });

        Assert.Equal(("approved", "rob", "looks fine", 2L), (approved.Status, approved.DecidedBy, approved.DecisionNote, approved.Version));
        Assert.Equal("Rob Reviewer", Assert.Single(approved.Decisions).ByName);
        Assert.Equal(("rejected", "too risky"), (rejected.Status, rejected.DecisionNote));
        Assert.Equal("cancelled", cancelled.Status);
        Assert.Equal(("pending", 2L), (extended.Status, extended.Version));
        Assert.Equal(newDeadline, extended.ExpiresAt, TimeSpan.FromMilliseconds(1));
    }

    [StoreFact]
    public async Task BulkCalls_DecideEachIdOnItsOwn()
    {
        var requester = ClientFor(Requester);
        var reviewer = ClientFor(Reviewer);
        var a = await requester.CreateAsync(Request("a"));
        var b = await requester.CreateAsync(Request("b"));
        var c = await requester.CreateAsync(Request("c"));

        var approved = await reviewer.BulkApproveAsync([a.Id, b.Id, "apr_missing"], "batch");
        var rejected = await reviewer.BulkRejectAsync([a.Id, c.Id], "batch");

        Assert.Equal([(a.Id, "approved", null), (b.Id, "approved", null), ("apr_missing", null, ErrorCodes.NotFound)],
            approved.Results.Select(r => (r.Id, r.Status, r.Error?.Code)));
        Assert.Equal([(a.Id, "approved", ErrorCodes.AlreadyResolved), (c.Id, "rejected", null)],
            rejected.Results.Select(r => (r.Id, r.Status, r.Error?.Code)));
    }

    [StoreFact]
    public async Task WaitForDecision_ReturnsTheDecision_OnceItIsMade()
    {
        var faults = new FaultInjection();
        var requester = ClientFor(Requester, faults);
        var created = await requester.CreateAsync(Request());

        var waiting = requester.WaitForDecisionAsync(created.Id, TimeSpan.FromMinutes(2));
        // Decide once the long-poll reached the server (or right away: either way the wait must end with it).
        await Eventually.TrueAsync(() => Task.FromResult(faults.Sent > 1 || waiting.IsCompleted), Deadline, "the first long-poll");
        await ClientFor(Reviewer).ApproveAsync(created.Id, "go");
        var decided = await waiting.WaitAsync(Deadline);

        Assert.Equal(("approved", "rob", "go"), (decided.Status, decided.DecidedBy, decided.DecisionNote));
        Assert.Contains(faults.Attempts, a => a.Path.EndsWith("/status", StringComparison.Ordinal) && a.Query.Contains("wait=", StringComparison.Ordinal));
    }

    [StoreFact]
    public async Task WaitForDecision_ReturnsPending_WhenTheTimeRunsOut()
    {
        var requester = ClientFor(Requester);
        var created = await requester.CreateAsync(Request());

        var stillPending = await requester.WaitForDecisionAsync(created.Id, TimeSpan.FromSeconds(1));
        var noWait = await requester.WaitForDecisionAsync(created.Id, TimeSpan.Zero);

        Assert.Equal("pending", stillPending.Status);
        Assert.Equal("pending", noWait.Status);
    }
}
