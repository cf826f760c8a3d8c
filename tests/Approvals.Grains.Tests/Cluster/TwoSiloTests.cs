using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Contracts;
using Approvals.Core.Storage;
using Approvals.Grains.Abstractions;
using Approvals.Testing;
using Approvals.Testing.PostgreSql;
using Orleans.Reminders.Diagnostics;
using Orleans.Runtime;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace Approvals.Grains.Tests.Cluster;

/// <summary>
/// Two silos of one cluster on one PostgreSQL: decisions racing from both silos and the client, a silo
/// killed under load, the deadlines a killed silo's reminder service held, and deep JSON crossing
/// between silos. Grain time is the fixture's fake clock; membership and reminders run on real time.
/// </summary>
[Collection(TwoSiloCollection.Name)]
public sealed class TwoSiloTests(TwoSiloCluster cluster, ITestOutputHelper output) : IClassFixture<TwoSiloCluster>
{
    private static readonly TimeSpan LoadDeadline = TimeSpan.FromMinutes(3);
    // Longer than Orleans' response timeout (30 s): a call still unanswered then is not coming back.
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(45);
    // Reminders tick on real time with a one-minute period, and a tick already past when the survivor
    // takes over is skipped, not fired late: the deadline covers the first tick plus two periods.
    private static readonly TimeSpan ExpiryDeadline = TimeSpan.FromMinutes(3);

    private readonly string _tenant = $"t_{Guid.NewGuid():N}";

    private Caller Requester => Person("user_req", "requester");

    private Caller Reviewer(int n) => Person($"user_rev_{n:D2}", "reviewer");

    private Caller Person(string id, params string[] roles) => new(CallerKind.Person, id, id, _tenant, roles, [], null);

    private string Key(string id) => GrainKeys.Approval(_tenant, id);

    /// <summary>Where calls come from: the external client and each silo.</summary>
    private List<Route> Routes() => [new("client", cluster.Grains, null), .. cluster.Silos.Select(s => new Route(s.Name, TwoSiloCluster.GrainsOn(s), s))];

    [PostgresFact]
    public async Task SixtyFourDecisionsOnEachOf200Requests_FromBothSilosAndTheClient_ExactlyOneWinsPerRequest()
    {
        const int requests = 200;
        const int callsPerRequest = 64;
        await cluster.EnsureTwoSilosAsync();
        var routes = Routes();
        var ids = await CreateManyAsync(requests, "PT24H", routes);
        output.WriteLine($"activations: {DescribePlacement(ids)}");

        var outcomes = new ConcurrentBag<(int Request, int Reviewer, bool Approve, Route Route, ApprovalReply Reply)>();
        var clock = Stopwatch.StartNew();
        using var deadline = new CancellationTokenSource(LoadDeadline);
        // Request by request, a few at a time: each request's 64 calls are issued at once, from all routes.
        await Parallel.ForEachAsync(Enumerable.Range(0, requests), new ParallelOptions { MaxDegreeOfParallelism = 6, CancellationToken = deadline.Token },
            async (i, _) => await Task.WhenAll(Enumerable.Range(0, callsPerRequest).Select(async j =>
            {
                var approve = (i + j) % 2 == 0;
                var route = routes[(i + j) % routes.Count];
                ApprovalCall call = approve ? new ApprovalCall.Approve($"ok {j}") : new ApprovalCall.Reject($"no {j}");
                var reply = await route.Grains.GetGrain<IApprovalGrain>(Key(ids[i])).ExecuteAsync(Reviewer(j), call, CallOptions.None).WaitAsync(CallDeadline);
                outcomes.Add((i, j, approve, route, reply));
            })));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{requests * callsPerRequest} decision calls in {clock.Elapsed.TotalSeconds:F1} s ({requests * callsPerRequest / clock.Elapsed.TotalSeconds:F0}/s)"));

        Assert.Equal(requests * callsPerRequest, outcomes.Count);
        var problems = new List<string>();
        foreach (var perRequest in outcomes.GroupBy(o => o.Request))
        {
            var id = ids[perRequest.Key];
            var winners = perRequest.Where(o => o.Reply.IsSuccess).ToList();
            if (winners.Count != 1)
            {
                problems.Add($"{id}: {winners.Count} calls succeeded");
                continue;
            }
            var winner = winners[0];
            var status = winner.Approve ? "approved" : "rejected";
            if (winner.Reply.Approval!.Status != status || winner.Reply.Approval.DecidedBy != Reviewer(winner.Reviewer).Id)
            {
                problems.Add($"{id}: the winning call answered {winner.Reply.Approval.Status} by {winner.Reply.Approval.DecidedBy}");
            }
            problems.AddRange(perRequest.Where(o => !o.Reply.IsSuccess && (o.Reply.Error!.Code != ErrorCodes.AlreadyResolved || o.Reply.Error.CurrentStatus != status))
                .Select(o => $"{id}: reviewer {o.Reviewer} from {o.Route.Name} got {o.Reply.Error!.Code} ({o.Reply.Error.CurrentStatus}); the winner made it {status}"));

            var stored = (await cluster.Stores.State.LoadApprovalAsync(id, CancellationToken.None))!.State;
            if (WireNames.Of(stored.Status) != status || stored.DecidedBy != Reviewer(winner.Reviewer).Id || stored.Version != 2)
            {
                problems.Add($"{id}: stored {stored.Status} by {stored.DecidedBy} at version {stored.Version}; the winner made it {status} by {Reviewer(winner.Reviewer).Id}");
            }
            var events = await cluster.Stores.Events.ReadSubjectAsync(id, CancellationToken.None);
            var terminal = events.Where(e => EventTypes.ApprovalTerminal.Contains(e.Type)).Select(e => e.Type).ToList();
            if (terminal.Count != 1 || terminal[0] != $"approval.{status}" || events.Count(e => e.Type == EventTypes.ApprovalRequested) != 1)
            {
                problems.Add($"{id}: events {string.Join(", ", events.Select(e => e.Type))}; the winner made it {status}");
            }
        }
        output.WriteLine("winners per route: " + string.Join(", ", outcomes.Where(o => o.Reply.IsSuccess).GroupBy(o => o.Route.Name)
            .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}")));
        Assert.True(problems.Count == 0, $"{problems.Count} wrong outcomes:{Environment.NewLine}{string.Join(Environment.NewLine, problems.Take(20))}");
    }

    [PostgresFact]
    public async Task ASiloKilledUnderLoad_LosesNoAcknowledgedDecision()
    {
        const int requests = 300;
        const int callsPerRequest = 4;
        await cluster.EnsureTwoSilosAsync();
        var routes = Routes();
        var ids = await CreateManyAsync(requests, "PT24H", routes);
        var survivor = cluster.Silos[0];
        var victim = cluster.Silos[^1];
        var onVictim = CountActiveOn(ids, victim.SiloAddress);
        output.WriteLine($"activations before the kill: {DescribePlacement(ids)}");
        Assert.True(onVictim > 0, "No request is active on the silo about to be killed: the kill would test nothing.");

        // Four decisions per request (approve and reject by different reviewers, from different routes),
        // request by request, so calls racing on one request are in flight when the silo dies.
        var calls = (from i in Enumerable.Range(0, requests)
                     from j in Enumerable.Range(0, callsPerRequest)
                     select new DecisionCall(i, j, Approve: (i + j) % 2 == 0, routes[(i * callsPerRequest + j) % routes.Count])).ToList();
        var acknowledged = new ConcurrentBag<(DecisionCall Call, ApprovalReply Reply)>();
        var failed = new ConcurrentBag<(DecisionCall Call, Exception Error)>();
        var notSent = 0;
        var finished = 0;
        var killed = false;
        var killPoint = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var deadline = new CancellationTokenSource(LoadDeadline);
        var load = Parallel.ForEachAsync(calls, new ParallelOptions { MaxDegreeOfParallelism = 24, CancellationToken = deadline.Token }, async (call, ct) =>
        {
            // A dead process makes no more calls.
            if (Volatile.Read(ref killed) && call.Route.Silo == victim)
            {
                Interlocked.Increment(ref notSent);
                return;
            }
            try
            {
                ApprovalCall command = call.Approve ? new ApprovalCall.Approve($"ok {call.Reviewer}") : new ApprovalCall.Reject($"no {call.Reviewer}");
                var reply = await call.Route.Grains.GetGrain<IApprovalGrain>(Key(ids[call.Request])).ExecuteAsync(Reviewer(call.Reviewer), command, CallOptions.None)
                    .WaitAsync(CallDeadline, ct);
                acknowledged.Add((call, reply));
            }
            catch (Exception error)
            {
                // Not acknowledged: cut off by the kill (or refused by a silo that is going away).
                failed.Add((call, error));
            }
            if (Interlocked.Increment(ref finished) == calls.Count / 2)
            {
                killPoint.TrySetResult();
            }
        });
        Assert.True(await Task.WhenAny(killPoint.Task, load) == killPoint.Task, "The load ended before half of its calls were answered.");
        var acknowledgedBeforeKill = acknowledged.Count;
        Volatile.Write(ref killed, true);
        var killClock = Stopwatch.StartNew();
        var declaredDead = WhenDeclaredDeadAsync(victim.SiloAddress, survivor, killClock);
        await cluster.Cluster.KillSiloAsync(victim);
        var killTook = killClock.Elapsed;
        await load;
        var loadEnded = killClock.Elapsed;
        var deadAfter = await declaredDead;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"killed {victim.Name} ({onVictim} of {requests} requests active on it) after {acknowledgedBeforeKill} answered calls; KillSiloAsync took {killTook.TotalSeconds:F1} s, " +
            $"the survivor declared it dead after {deadAfter.TotalSeconds:F1} s, the load ended {loadEnded.TotalSeconds:F1} s after the kill; " +
            $"{acknowledged.Count} calls answered ({acknowledged.Count(a => a.Reply.IsSuccess)} successes), {failed.Count} failed, {notSent} not sent from the dead silo"));
        foreach (var kind in failed.GroupBy(f => f.Error.GetType().Name).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  failed with {kind.Key}: {kind.Count()}, e.g. {kind.First().Error.Message}");
        }

        // The survivor serves every request, including those that were active on the killed silo.
        var reads = new ConcurrentDictionary<string, ApprovalDto>();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, _) =>
            await Eventually.TrueAsync(async () =>
            {
                try
                {
                    var reply = await cluster.Grains.GetGrain<IApprovalGrain>(Key(id)).GetAsync(Requester).WaitAsync(CallDeadline);
                    reads[id] = reply.Approval!;
                    return true;
                }
                catch (Exception error) when (error is not NullReferenceException)
                {
                    return false;
                }
            }, LoadDeadline, $"the survivor serves {id}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"the survivor served all {requests} requests {killClock.Elapsed.TotalSeconds:F1} s after the kill"));

        var problems = new List<string>();
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            var state = (await cluster.Stores.State.LoadApprovalAsync(id, CancellationToken.None))!.State;
            var status = WireNames.Of(state.Status);
            var successes = acknowledged.Where(a => a.Call.Request == i && a.Reply.IsSuccess).ToList();
            if (successes.Count > 1)
            {
                problems.Add($"{id}: {successes.Count} decisions acknowledged as successes");
            }
            if (successes.Count == 1)
            {
                var (call, reply) = successes[0];
                var expected = call.Approve ? "approved" : "rejected";
                if (status != expected || state.DecidedBy != Reviewer(call.Reviewer).Id || reply.Approval!.Status != expected)
                {
                    problems.Add($"{id}: {call.Route.Name} acknowledged {expected} by {Reviewer(call.Reviewer).Id}; the store has {status} by {state.DecidedBy}");
                }
            }
            else if (state.Status != ApprovalStatus.Pending
                && !failed.Any(f => f.Call.Request == i && Reviewer(f.Call.Reviewer).Id == state.DecidedBy && (f.Call.Approve ? "approved" : "rejected") == status))
            {
                problems.Add($"{id}: the store has {status} by {state.DecidedBy}, which no acknowledged call and no cut-off call asked for");
            }
            // A refusal says the request was already decided: that decision must be the stored one.
            problems.AddRange(acknowledged.Where(a => a.Call.Request == i && !a.Reply.IsSuccess)
                .Where(a => a.Reply.Error!.Code != ErrorCodes.AlreadyResolved || a.Reply.Error.CurrentStatus != status)
                .Select(a => $"{id}: {a.Call.Route.Name} was told {a.Reply.Error!.Code} ({a.Reply.Error.CurrentStatus}); the store has {status}"));

            var terminal = (await cluster.Stores.Events.ReadSubjectAsync(id, CancellationToken.None)).Where(e => EventTypes.ApprovalTerminal.Contains(e.Type)).Select(e => e.Type).ToList();
            if (terminal.Count != (state.Status == ApprovalStatus.Pending ? 0 : 1) || terminal.Count == 1 && terminal[0] != $"approval.{status}")
            {
                problems.Add($"{id} ({status}) has terminal events [{string.Join(", ", terminal)}]");
            }
            if (reads[id].Status != status || reads[id].Version != state.Version)
            {
                problems.Add($"{id}: the survivor's grain shows {reads[id].Status} v{reads[id].Version}; the store has {status} v{state.Version}");
            }
        }
        Assert.True(problems.Count == 0, $"{problems.Count} problems:{Environment.NewLine}{string.Join(Environment.NewLine, problems.Take(20))}");
        Assert.True(acknowledged.Count(a => a.Reply.IsSuccess) > requests / 3, "Too few decisions were acknowledged for the check to mean anything.");
    }

    [PostgresFact]
    public async Task TheDeadlinesAKilledSilosRemindersHeld_AreAppliedByTheSurvivor()
    {
        const int requests = 120;
        await cluster.EnsureTwoSilosAsync();
        var prefix = _tenant + "/";
        using var reminders = ReminderLog.Start(grain => grain.Key.ToString().StartsWith(prefix, StringComparison.Ordinal));

        // Grain time stands still until the kill, so each deadline reminder is due 30 s of real time
        // after its registration, then every minute: the survivor has that long to take the dead silo's
        // share of the ring over before the first tick (a tick already past is skipped, not fired late).
        var ids = await CreateManyAsync(requests, "PT30S", Routes());
        var survivor = cluster.Silos[0];
        var victim = cluster.Silos[^1];
        var owners = reminders.Of<ReminderEvents.Registered>().GroupBy(e => e.Grain).ToDictionary(g => g.Key, g => g.Last().Silo);
        Assert.True(ids.All(id => owners.ContainsKey(Grain(id).GetGrainId())), "Every pending request registered its deadline reminder before its create returned.");
        var victimsShare = ids.Where(id => Equals(owners[Grain(id).GetGrainId()], victim.SiloAddress)).ToList();
        output.WriteLine($"deadline reminders registered: {victimsShare.Count} on {victim.Name} (to be killed), {requests - victimsShare.Count} on {survivor.Name}");
        Assert.NotEmpty(victimsShare);

        // No activation may apply a deadline of its own accord (the grain's in-memory timer): only a
        // reminder tick can bring these requests back.
        await Task.WhenAll(ids.Select(id => cluster.Cluster.DeactivateAsync(Grain(id))));
        Assert.Equal(0, CountActiveAnywhere(ids));

        // Were a tick already due (a machine too slow for 30 s), it would have brought grains back before the kill.
        Assert.Empty(reminders.Of<ReminderEvents.TickFiring>());
        var killClock = Stopwatch.StartNew();
        var killedAt = reminders.Now;
        var declaredDead = WhenDeclaredDeadAsync(victim.SiloAddress, survivor, killClock);
        await cluster.Cluster.KillSiloAsync(victim);
        cluster.Clock.Advance(TimeSpan.FromMinutes(1));
        var deadAfter = await declaredDead;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{victim.Name} killed; declared dead by {survivor.Name} after {deadAfter.TotalSeconds:F1} s"));

        var expired = new ConcurrentDictionary<string, bool>();
        await Eventually.TrueAsync(async () =>
        {
            foreach (var id in ids.Where(id => !expired.ContainsKey(id)))
            {
                if ((await cluster.Stores.State.LoadApprovalAsync(id, CancellationToken.None))!.State.Status == ApprovalStatus.Expired)
                {
                    expired[id] = true;
                }
            }
            return expired.Count == ids.Count;
        }, ExpiryDeadline, $"every request expired (the ones whose reminders {victim.Name} held too)");
        var allExpired = killClock.Elapsed;

        var afterKill = reminders.Entries.Where(e => e.At >= killedAt).ToList();
        var loadedBySurvivor = afterKill.Where(e => e.Event is ReminderEvents.LocalReminderStarted && Equals(e.Silo, survivor.SiloAddress))
            .GroupBy(e => e.Grain).ToDictionary(g => g.Key, g => g.Min(e => e.At - killedAt));
        var firedBySurvivor = afterKill.Where(e => e.Event is ReminderEvents.TickFiring && Equals(e.Silo, survivor.SiloAddress))
            .GroupBy(e => e.Grain).ToDictionary(g => g.Key, g => g.Min(e => e.At - killedAt));
        var victimsGrains = victimsShare.Select(id => Grain(id).GetGrainId()).ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"all {requests} expired {allExpired.TotalSeconds:F1} s after the kill; of the {victimsShare.Count} reminders {victim.Name} held, " +
            $"{victimsGrains.Count(loadedBySurvivor.ContainsKey)} were loaded by {survivor.Name} (the last {victimsGrains.Where(loadedBySurvivor.ContainsKey).Select(g => loadedBySurvivor[g].TotalSeconds).DefaultIfEmpty().Max():F1} s after the kill) " +
            $"and {victimsGrains.Count(firedBySurvivor.ContainsKey)} fired there (the first {victimsGrains.Where(firedBySurvivor.ContainsKey).Select(g => firedBySurvivor[g].TotalSeconds).DefaultIfEmpty().Min():F1} s, " +
            $"the last {victimsGrains.Where(firedBySurvivor.ContainsKey).Select(g => firedBySurvivor[g].TotalSeconds).DefaultIfEmpty().Max():F1} s after the kill)"));
        foreach (var failure in afterKill.Select(e => e.Event).OfType<ReminderEvents.TickFailed>().Take(3))
        {
            output.WriteLine($"  a tick failed: {failure.GrainId}: {failure.Exception.Message}");
        }

        // Nothing but a reminder could have brought them back, and only the survivor was left to fire one.
        Assert.All(victimsGrains, grain => Assert.True(firedBySurvivor.ContainsKey(grain), $"{grain}: its reminder never fired on {survivor.Name}"));
        foreach (var id in ids)
        {
            var events = await cluster.Stores.Events.ReadSubjectAsync(id, CancellationToken.None);
            Assert.Equal([EventTypes.ApprovalRequested, EventTypes.ApprovalExpired], events.Select(e => e.Type));
        }
    }

    /// <summary>
    /// A context at the API's limit for new values (32 levels) is created through a grain on the other
    /// silo, and an older stored one comes back through it: 62 levels (what servers before the limit
    /// accepted), and 100, deeper than Orleans' JSON codec reads by default (64, which 62 levels inside
    /// an approval still fit in); stored values are read back to 256 levels everywhere else.
    /// </summary>
    [PostgresTheory]
    [InlineData(62)]
    [InlineData(100)]
    public async Task DeeplyNestedContext_TravelsBetweenSilos(int storedLevels)
    {
        await cluster.EnsureTwoSilosAsync();
        var id = NewId();
        // Activate the request's grain first, then call it from the silo it is not on: the create and
        // every reply cross between silos through Orleans' serializer.
        Assert.Equal(ErrorCodes.NotFound, (await Grain(id).GetAsync(Requester)).Error!.Code);
        var home = cluster.WhereIs(Grain(id));
        Assert.NotNull(home);
        var away = cluster.Silos.Single(s => !s.SiloAddress.Equals(home));
        var awayGrain = TwoSiloCluster.GrainsOn(away).GetGrain<IApprovalGrain>(Key(id));
        output.WriteLine($"{id} is active on {home}; called from {away.Name} ({away.SiloAddress})");

        var context = Nested(32);
        var created = await awayGrain.ExecuteAsync(Requester,
            new ApprovalCall.Create(new CreateApprovalRequest { Title = "Deep context", RiskScore = 10, ExpiresIn = "PT24H", Context = JsonSerializer.Deserialize<JsonElement>(context) }),
            CallOptions.None);
        Assert.True(created.IsSuccess, created.Error?.Detail);
        AssertSameJson(context, created.Approval!.Context);
        AssertSameJson(context, JsonNode.Parse((await cluster.Stores.State.LoadApprovalAsync(id, CancellationToken.None))!.State.ContextJson)!.AsObject());
        Assert.Equal(home, cluster.WhereIs(Grain(id)));

        // The older value is written behind the grain's back, as an older server stored it: the next
        // command loses its write race, reloads, and carries the value back to the caller.
        var older = Nested(storedLevels);
        var stored = (await cluster.Stores.State.LoadApprovalAsync(id, CancellationToken.None))!;
        Assert.Equal([WriteOutcome.Committed], await cluster.Stores.State.SaveAsync(
            [new ApprovalWrite(stored.State with { ContextJson = older, Version = 2 }, 1, [], stored.ChainHead)], CancellationToken.None));
        var approved = await awayGrain.ExecuteAsync(Reviewer(1), new ApprovalCall.Approve("deep"), CallOptions.None);
        Assert.True(approved.IsSuccess, approved.Error?.Detail);
        Assert.Equal(3, approved.Approval!.Version);
        AssertSameJson(older, approved.Approval.Context);
        AssertSameJson(older, (await awayGrain.GetAsync(Requester)).Approval!.Context);
        AssertSameJson(older, (await Grain(id).GetAsync(Requester)).Approval!.Context);
        Assert.Equal(home, cluster.WhereIs(Grain(id)));
    }

    private IApprovalGrain Grain(string id) => cluster.Grains.GetGrain<IApprovalGrain>(Key(id));

    private static string NewId() => $"apr_{Guid.NewGuid():N}";

    /// <summary>Pending requests, created through the routes in turn.</summary>
    private async Task<List<string>> CreateManyAsync(int count, string expiresIn, List<Route> routes)
    {
        var ids = Enumerable.Range(0, count).Select(_ => NewId()).ToList();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var request = new CreateApprovalRequest { Title = $"two silos {i}", RiskScore = 10, ExpiresIn = expiresIn, Policy = new PolicyDto(RequiredApprovals: 1) };
            var reply = await routes[i % routes.Count].Grains.GetGrain<IApprovalGrain>(Key(ids[i])).ExecuteAsync(Requester, new ApprovalCall.Create(request), CallOptions.None);
            Assert.True(reply.IsSuccess, reply.Error?.Detail);
        });
        return ids;
    }

    private int CountActiveOn(IEnumerable<string> ids, SiloAddress silo) => ids.Count(id => silo.Equals(cluster.WhereIs(Grain(id))));

    private int CountActiveAnywhere(IEnumerable<string> ids) => ids.Count(id => cluster.WhereIs(Grain(id)) is not null);

    private string DescribePlacement(IReadOnlyList<string> ids)
    {
        var perSilo = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            var where = cluster.WhereIs(Grain(id))?.ToString() ?? "nowhere";
            perSilo[where] = perSilo.GetValueOrDefault(where) + 1;
        }
        return string.Join(", ", perSilo.Select(p => $"{p.Value} on {p.Key}"));
    }

    /// <summary>How long after the kill (on <paramref name="since"/>) the survivor's membership stopped listing the victim as active.</summary>
    private static async Task<TimeSpan> WhenDeclaredDeadAsync(SiloAddress victim, InProcessSiloHandle survivor, Stopwatch since)
    {
        await Eventually.TrueAsync(() => Task.FromResult(TwoSiloCluster.StatusOf(victim, survivor) != SiloStatus.Active), LoadDeadline, $"{survivor.Name} declares {victim} dead");
        return since.Elapsed;
    }

    /// <summary>An object nested <paramref name="levels"/> deep (a scalar at the bottom), as compact JSON.</summary>
    private static string Nested(int levels)
    {
        var json = new StringBuilder();
        for (var level = 1; level < levels; level++)
        {
            json.Append(CultureInfo.InvariantCulture, $"{{\"level{level}\":");
        }
        json.Append("{\"bottom\":true}");
        json.Append('}', levels - 1);
        return json.ToString();
    }

    private static void AssertSameJson(string expected, JsonObject? actual)
    {
        Assert.NotNull(actual);
        if (!JsonNode.DeepEquals(JsonNode.Parse(expected, documentOptions: new JsonDocumentOptions { MaxDepth = 256 }), actual))
        {
            Assert.Fail($"expected {expected}{Environment.NewLine}got {actual.ToJsonString(new JsonSerializerOptions { MaxDepth = 256 })}");
        }
    }

    /// <summary>Where a call starts: the client or a silo (<paramref name="Silo"/>).</summary>
    private sealed record Route(string Name, IGrainFactory Grains, InProcessSiloHandle? Silo);

    private sealed record DecisionCall(int Request, int Reviewer, bool Approve, Route Route);
}
