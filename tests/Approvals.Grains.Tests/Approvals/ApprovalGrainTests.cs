using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Storage;
using Approvals.Grains.Abstractions;
using Approvals.Grains.Tests.Support;
using Approvals.Testing;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;

namespace Approvals.Grains.Tests.Approvals;

/// <summary>The approval state machine's paths through the grain, on a real cluster and a real store; subclassed per backend.</summary>
public abstract class ApprovalGrainTests<TCluster>(TCluster cluster) : IClassFixture<TCluster> where TCluster : GrainCluster
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly string _tenant = $"t_{Guid.NewGuid():N}";

    private Caller Requester => Person("user_req", "requester");

    private Caller Reviewer => Person("user_rev", "reviewer");

    private Caller Person(string id, params string[] roles) => new(CallerKind.Person, id, id, _tenant, roles, [], null);

    private IApprovalGrain Grain(string id) => cluster.Grains.GetGrain<IApprovalGrain>(GrainKeys.Approval(_tenant, id));

    private async Task<(string Id, ApprovalDto Approval)> CreateAsync(string expiresIn = "PT1H", int riskScore = 10)
    {
        var id = $"apr_{Guid.NewGuid():N}";
        var reply = await Grain(id).ExecuteAsync(Requester,
            new ApprovalCall.Create(new CreateApprovalRequest { Title = "Rotate the staging password", RiskScore = riskScore, ExpiresIn = expiresIn }),
            CallOptions.None);
        Assert.True(reply.IsSuccess, reply.Error?.Detail);
        return (id, reply.Approval!);
    }

    [StoreFact]
    public async Task Create_ThenApprove_IsApproved_AndASecondDecisionIsAlreadyResolved()
    {
        var (id, created) = await CreateAsync();
        Assert.Equal("pending", created.Status);
        Assert.Equal(1, created.Version);

        var approved = await Grain(id).ExecuteAsync(Reviewer, new ApprovalCall.Approve("fine"), CallOptions.None);
        var again = await Grain(id).ExecuteAsync(Person("user_rev2", "reviewer"), new ApprovalCall.Reject("too late"), CallOptions.None);

        Assert.Equal("approved", approved.Approval!.Status);
        Assert.Equal(2, approved.Approval.Version);
        Assert.Equal(ErrorCodes.AlreadyResolved, again.Error!.Code);
        Assert.Equal("approved", again.Error.CurrentStatus);
        var stored = (await cluster.Stores.State.LoadApprovalAsync(id, CancellationToken.None))!.State;
        Assert.Equal(ApprovalStatus.Approved, stored.Status);
        Assert.Equal([EventTypes.ApprovalRequested, EventTypes.ApprovalApproved],
            (await cluster.Stores.Events.ReadSubjectAsync(id, CancellationToken.None)).Select(e => e.Type));
    }

    [StoreFact]
    public async Task Refusals_AreValues_AndChangeNothing()
    {
        var (id, _) = await CreateAsync(riskScore: 90);

        var self = await Grain(id).ExecuteAsync(Person("user_req", "requester", "admin"), new ApprovalCall.Approve(null), CallOptions.None);
        var level = await Grain(id).ExecuteAsync(Reviewer, new ApprovalCall.Approve(null), CallOptions.None);
        var stale = await Grain(id).ExecuteAsync(Person("user_adm", "admin"), new ApprovalCall.Approve(null), new CallOptions(IfMatch: 7));

        Assert.Equal(ErrorCodes.SelfApprovalForbidden, self.Error!.Code);
        Assert.Equal(ErrorCodes.InsufficientApprovalLevel, level.Error!.Code);
        Assert.Equal(ErrorCodes.PreconditionFailed, stale.Error!.Code);
        Assert.Equal(1, stale.Error.CurrentVersion);
        Assert.Equal(1, (await cluster.Stores.State.LoadApprovalAsync(id, CancellationToken.None))!.State.Version);
    }

    [StoreFact]
    public async Task Review_GivesTheRefusalADecisionWouldGet_AndWritesNothing()
    {
        var (id, _) = await CreateAsync(riskScore: 50);
        var key = new Caller(CallerKind.Key, "key_1", "agent", _tenant, [], ["approvals:read"], null);
        var manager = Person("user_mgr", "manager");

        var own = await Grain(id).ReviewAsync(Person("user_req", "requester", "manager"));
        var level = await Grain(id).ReviewAsync(Reviewer);
        var byKey = await Grain(id).ReviewAsync(key);
        var may = await Grain(id).ReviewAsync(manager);

        Assert.Equal(ErrorCodes.SelfApprovalForbidden, own.DecisionRefusal!.Code);
        Assert.Equal(ErrorCodes.InsufficientApprovalLevel, level.DecisionRefusal!.Code);
        Assert.Equal(ErrorCodes.Forbidden, byKey.DecisionRefusal!.Code);
        Assert.Null(may.DecisionRefusal);
        Assert.Equal("pending", may.Reply.Approval!.Status);
        Assert.Equal(1, (await cluster.Stores.State.LoadApprovalAsync(id, CancellationToken.None))!.State.Version);
        // The answer is the decision's own: the refused approve fails the same way, the allowed one succeeds.
        Assert.Equal(level.DecisionRefusal.Code, (await Grain(id).ExecuteAsync(Reviewer, new ApprovalCall.Approve(null), CallOptions.None)).Error!.Code);
        Assert.True((await Grain(id).ExecuteAsync(manager, new ApprovalCall.Approve(null), CallOptions.None)).IsSuccess);

        var decided = await Grain(id).ReviewAsync(Person("user_mgr2", "manager"));
        Assert.Equal(ErrorCodes.AlreadyResolved, decided.DecisionRefusal!.Code);
        Assert.Equal("approved", decided.Reply.Approval!.Status);
        var outsider = await Grain(id).ReviewAsync(new Caller(CallerKind.Person, "user_out", null, "other-tenant", ["admin"], [], null));
        Assert.Equal(ErrorCodes.NotFound, outsider.Reply.Error!.Code);
    }

    [StoreFact]
    public async Task AnotherTenantsCaller_FindsNothing()
    {
        var (id, _) = await CreateAsync();
        var outsider = new Caller(CallerKind.Person, "user_out", null, "other-tenant", ["admin"], [], null);

        var sameGrain = await Grain(id).ExecuteAsync(outsider, new ApprovalCall.Approve(null), CallOptions.None);
        var ownTenantsGrain = await cluster.Grains.GetGrain<IApprovalGrain>(GrainKeys.Approval("other-tenant", id)).GetAsync(outsider);

        Assert.Equal(ErrorCodes.NotFound, sameGrain.Error!.Code);
        Assert.Equal(ErrorCodes.NotFound, ownTenantsGrain.Error!.Code);
    }

    [StoreFact]
    public async Task AVersionWrittenBehindTheGrainsBack_IsReloaded_AndTheCommandDecidedAgain()
    {
        var (id, _) = await CreateAsync();
        // Another node (or an activation the cluster thought dead) extends the request: version 2.
        var stored = (await cluster.Stores.State.LoadApprovalAsync(id, CancellationToken.None))!;
        var extended = stored.State with { ExpiresAt = stored.State.ExpiresAt.AddHours(1), Version = 2 };
        Assert.Equal([WriteOutcome.Committed],
            await cluster.Stores.State.SaveAsync([new ApprovalWrite(extended, 1, [], stored.ChainHead)], CancellationToken.None));

        var approved = await Grain(id).ExecuteAsync(Reviewer, new ApprovalCall.Approve("after a race"), CallOptions.None);

        Assert.Equal("approved", approved.Approval!.Status);
        Assert.Equal(3, approved.Approval.Version);
        Assert.Equal(extended.ExpiresAt, approved.Approval.ExpiresAt);
    }

    [StoreFact]
    public async Task TheDeadline_IsAppliedWhenGrainTimePassesIt_ExactlyOnce()
    {
        var (id, created) = await CreateAsync(expiresIn: "PT1H");

        cluster.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));

        await Eventually.TrueAsync(async () => (await Grain(id).GetAsync(Reviewer)).Approval!.Status == "expired", Deadline, "the request expired");
        var late = await Grain(id).ExecuteAsync(Reviewer, new ApprovalCall.Approve(null), CallOptions.None);
        Assert.Equal(ErrorCodes.AlreadyResolved, late.Error!.Code);
        Assert.Equal("expired", late.Error.CurrentStatus);
        var expiries = (await cluster.Stores.Events.ReadSubjectAsync(id, CancellationToken.None)).Count(e => e.Type == EventTypes.ApprovalExpired);
        Assert.Equal(1, expiries);
        Assert.True((await cluster.Stores.State.LoadApprovalAsync(id, CancellationToken.None))!.State.DecidedAt >= created.ExpiresAt);
    }

    [StoreFact]
    public async Task TheDeadlineReminder_IsStoredWithThePendingRequest_AndRemovedByTheFinalCommit()
    {
        var (id, _) = await CreateAsync();
        Assert.Equal([Grains.Approvals.ApprovalGrain.DeadlineReminder], await cluster.RemindersOfAsync(Grain(id)));

        Assert.True((await Grain(id).ExecuteAsync(Reviewer, new ApprovalCall.Approve(null), CallOptions.None)).IsSuccess);

        // Removed right after the reply, not before it: the caller does not wait for the clean-up.
        await Eventually.TrueAsync(async () => (await cluster.RemindersOfAsync(Grain(id))).Count == 0, TimeSpan.FromSeconds(30),
            "the final commit's reminder removal");
    }

    [StoreFact]
    public async Task WaitForChange_ReturnsWhenTheRequestIsDecided()
    {
        var (id, _) = await CreateAsync();

        var wait = Grain(id).WaitForChangeAsync(Requester, 1, TimeSpan.FromMinutes(10));
        var approved = await Grain(id).ExecuteAsync(Reviewer, new ApprovalCall.Approve(null), CallOptions.None);
        var seen = await wait.WaitAsync(Deadline);

        Assert.True(approved.IsSuccess);
        Assert.Equal("approved", seen.Approval!.Status);
    }

    [StoreFact]
    public async Task AnIdempotentCall_CommitsItsReplyWithTheChange()
    {
        var (id, _) = await CreateAsync();
        var scope = $"{_tenant}:person:user_rev";
        var begun = await cluster.Stores.Idempotency.TryBeginAsync(scope, "key-1", "hash-1", cluster.Clock.GetUtcNow(), TimeSpan.FromHours(24), TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.True(begun.Started);

        var ticket = new IdempotencyTicket(scope, "key-1", "hash-1", cluster.Clock.GetUtcNow().AddHours(24), 200);
        var approved = await Grain(id).ExecuteAsync(Reviewer, new ApprovalCall.Approve(null), new CallOptions(Idempotency: ticket));

        var record = await cluster.Stores.Idempotency.TryBeginAsync(scope, "key-1", "hash-1", cluster.Clock.GetUtcNow(), TimeSpan.FromHours(24), TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.False(record.Started);
        Assert.True(record.Existing!.Completed);
        var replay = StoredResponse.Deserialize(record.Existing.StatusCode, record.Existing.ResponseBody!);
        Assert.Equal(200, replay.Status);
        Assert.Equal("\"2\"", replay.Headers["ETag"]);
        Assert.Contains($"\"id\":\"{id}\"", replay.Body, StringComparison.Ordinal);
        Assert.Equal(2, approved.Approval!.Version);
    }
}

public sealed class SqliteApprovalGrainTests(SqliteGrainCluster cluster) : ApprovalGrainTests<SqliteGrainCluster>(cluster);

[RequiresPostgres]
public sealed class PostgresApprovalGrainTests(PostgresGrainCluster cluster) : ApprovalGrainTests<PostgresGrainCluster>(cluster);
