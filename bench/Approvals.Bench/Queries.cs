using System.Diagnostics;
using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Approvals;
using Approvals.Core.Events;
using Approvals.Core.Principals;
using Approvals.Core.Storage;

namespace Approvals.Bench;

/// <summary>
/// The read paths at scale: seeds <c>count</c> approvals with their events, then times list (every
/// filter, deep pages), count and event reads.
/// </summary>
public static class Queries
{
    private const string Tenant = Principal.DefaultTenant;

    public static async Task RunAsync(BenchTarget target, int count)
    {
        var queries = target.ApprovalQueries;
        var events = target.Events;
        var now = ApprovalValidation.Truncate(DateTimeOffset.UtcNow);
        var sw = Stopwatch.StartNew();
        await SeedAsync(target.State, count, now);
        Console.WriteLine($"seeded {count:N0} approvals in {sw.Elapsed.TotalSeconds:0.0} s ({count / sw.Elapsed.TotalSeconds:N0} /s)");

        await TimeAsync("list newest, limit 20", () => queries.ListAsync(new ApprovalQuery(Tenant), default));
        await TimeAsync("list status=pending", () => queries.ListAsync(new ApprovalQuery(Tenant) { Status = ApprovalStatus.Pending }, default));
        await TimeAsync("list risk_level=critical", () => queries.ListAsync(new ApprovalQuery(Tenant) { RiskLevel = RiskLevel.Critical }, default));
        await TimeAsync("list agent_id", () => queries.ListAsync(new ApprovalQuery(Tenant) { AgentId = "agt_7" }, default));
        await TimeAsync("list requested_by", () => queries.ListAsync(new ApprovalQuery(Tenant) { RequestedBy = "user_42" }, default));
        await TimeAsync("list status+created_before", () => queries.ListAsync(new ApprovalQuery(Tenant)
        {
            Status = ApprovalStatus.Approved, CreatedBefore = now.AddSeconds(-count / 2.0),
        }, default));
        var page = await queries.ListAsync(new ApprovalQuery(Tenant) { Limit = 100 }, default);
        for (var i = 0; i < 50 && page.Next is not null; i++)
        {
            page = await queries.ListAsync(new ApprovalQuery(Tenant) { Limit = 100, After = page.Next }, default);
        }
        await TimeAsync("list page 51 (cursor)", () => queries.ListAsync(new ApprovalQuery(Tenant) { Limit = 100, After = page.Next }, default));
        await TimeAsync("count status=pending", () => queries.CountAsync(Tenant, ApprovalStatus.Pending, default));
        await TimeAsync("count by status", () => queries.CountByStatusAsync(Tenant, default));
        await TimeAsync("events after mid seq", () => events.ReadAfterAsync(count / 2, 500, default));
        await TimeAsync("events of one subject", () => events.ReadSubjectAsync(page.Items[0].Id, default));
    }

    private static Task SeedAsync(IStateStore store, int count, DateTimeOffset now) =>
        // Oldest first, one second apart, ending now; a quarter still pending (due in a year).
        SeedAsync(store, count,
            i => (now.AddSeconds(i - count),
                  new CreateApprovalRequest { Title = $"Seeded request {i}", RiskScore = i % 101, AgentId = $"agt_{i % 100}", ExpiresIn = "P365D" },
                  Principal.Person($"user_{i % 1000}", "Seeder", [Roles.Requester])),
            (i, s) => (i % 4) switch
            {
                0 => s,
                1 => s with { Status = ApprovalStatus.Approved, Version = 2 },
                2 => s with { Status = ApprovalStatus.Rejected, Version = 2 },
                _ => s with { Status = ApprovalStatus.Expired, Version = 2 },
            });

    /// <summary>
    /// Writes approvals straight through the store, 1,000 per transaction, as a grain would write them
    /// (state and first event): much faster than going through grains.
    /// </summary>
    private static async Task SeedAsync(IStateStore store, int count,
        Func<int, (DateTimeOffset CreatedAt, CreateApprovalRequest Request, Principal By)> make,
        Func<int, ApprovalState, ApprovalState> adjust)
    {
        var options = new ApprovalOptions { MaxExpiry = TimeSpan.FromDays(400) };
        foreach (var chunk in Enumerable.Range(0, count).Chunk(1000))
        {
            var writes = new List<StateWrite>(chunk.Length);
            foreach (var i in chunk)
            {
                var (createdAt, request, by) = make(i);
                var id = Ids.New("apr", createdAt);
                var transition = ApprovalStateMachine.Decide(null, new ApprovalCommand.Create(id, request, by), createdAt, options).Value!;
                var state = adjust(i, transition.State);
                var e = EventHasher.Seal(Ids.New("evt", createdAt), transition.Events[0], state.TenantId, id, createdAt, null);
                writes.Add(new ApprovalWrite(state, 0, [e], null));
            }
            await store.SaveAsync(writes, default);
        }
    }

    private static async Task TimeAsync<T>(string name, Func<Task<T>> query)
    {
        await query(); // warm-up: plans and caches
        var samples = new List<double>();
        for (var i = 0; i < 21; i++)
        {
            var sw = Stopwatch.StartNew();
            await query();
            samples.Add(sw.Elapsed.TotalMilliseconds);
        }
        samples.Sort();
        Console.WriteLine($"{name,-28} median {samples[10],8:0.000} ms   max {samples[^1],8:0.000} ms");
    }
}
