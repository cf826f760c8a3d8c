using System.Collections.Concurrent;
using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Approvals;
using Approvals.Runtime.Approvals;
using Approvals.Runtime.Tests.Support;
using Approvals.Testing;
using Approvals.Testing.PostgreSql;

namespace Approvals.Runtime.Tests.Approvals;

/// <summary>Two actor hosts (two nodes, two connection pools) on one PostgreSQL database.</summary>
[Collection(HeavyCollection.Name)]
public sealed class TwoNodeRaceTests : IAsyncLifetime
{
    private readonly PostgresBackend _backend = new();
    private TestNode _nodeA = null!;
    private TestNode _nodeB = null!;

    public async Task InitializeAsync()
    {
        if (PostgresEnvironment.SkipReason is not null)
        {
            return;
        }
        _nodeA = new TestNode(await _backend.OpenStoreAsync(), TimeProvider.System);
        _nodeB = new TestNode(await _backend.OpenStoreAsync(), TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        if (_nodeA is not null)
        {
            await _nodeA.DisposeAsync();
            await _nodeB.DisposeAsync();
        }
        await _backend.DisposeAsync();
    }

    [PostgresFact]
    public async Task ADecisionOnOneNode_WakesAWaiterOnTheOther_ThroughTheChangeFeed()
    {
        var changesA = new ApprovalChanges();
        using var stop = new CancellationTokenSource();
        var listener = new ChangeFeedListener(_nodeA.Store, changesA, Microsoft.Extensions.Logging.Abstractions.NullLogger<ChangeFeedListener>.Instance);
        await listener.StartAsync(stop.Token);
        try
        {
            var created = (await _nodeA.Approvals.CreateAsync(Requests.Simple(), People.Requester(), default)).Value!;
            // The listener is ready once a change made elsewhere reaches it; probe with throwaway writes.
            await Eventually.TrueAsync(async () =>
            {
                var probe = (await _nodeB.Approvals.CreateAsync(Requests.Simple(), People.Requester(), default)).Value!;
                return await changesA.WaitAsync(probe.Id, TimeSpan.FromMilliseconds(500), TimeProvider.System, default);
            }, TimeSpan.FromSeconds(30), "the change feed delivers");

            var waiting = changesA.WaitAsync(created.Id, TimeSpan.FromSeconds(30), TimeProvider.System, default);
            var decidedOnB = await _nodeB.Approvals.ApproveAsync(created.Id, People.Reviewer(), null, null, default);
            Assert.True(decidedOnB.IsSuccess);
            Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(10)), "node A's waiter was not woken by node B's decision");
        }
        finally
        {
            await stop.CancelAsync();
            await listener.StopAsync(default);
            listener.Dispose();
        }
    }

    /// <summary>
    /// Each of 200 requests needs 4 approvals; 6 approvers and 2 rejecters race on it through both
    /// nodes. Whatever wins, every acknowledged decision is in the final state (no lost update),
    /// the event log holds one event per acknowledged decision and exactly one terminal event.
    /// </summary>
    [PostgresFact]
    public async Task TwoNodes_RacingOverTheSameIds_NeverLoseAnUpdate_NorWriteTwoTerminalEvents()
    {
        const int requests = 200;
        var ids = new List<string>();
        for (var i = 0; i < requests; i++)
        {
            var created = await (i % 2 == 0 ? _nodeA : _nodeB).Approvals.CreateAsync(Requests.Simple(requiredApprovals: 4), People.Requester(), default);
            ids.Add(created.Value!.Id);
        }

        var acknowledged = new ConcurrentBag<(string Id, string By, DecisionKind Kind)>();
        var calls = ids.SelectMany(id => Enumerable.Range(0, 8).Select(n => (id, n))).OrderBy(_ => Random.Shared.Next()).ToList();
        await Parallel.ForEachAsync(calls, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (call, ct) =>
        {
            var node = Random.Shared.Next(2) == 0 ? _nodeA : _nodeB;
            var by = People.Reviewer($"user_{call.n}");
            var kind = call.n < 6 ? DecisionKind.Approve : DecisionKind.Reject;
            var result = kind == DecisionKind.Approve
                ? await node.Approvals.ApproveAsync(call.id, by, null, null, ct)
                : await node.Approvals.RejectAsync(call.id, by, null, null, ct);
            if (result.IsSuccess)
            {
                acknowledged.Add((call.id, by.Id, kind));
            }
            else
            {
                Assert.Equal(ErrorCodes.AlreadyResolved, result.Error!.Code);
            }
        });

        foreach (var id in ids)
        {
            var state = (await _nodeA.Store.LoadApprovalAsync(id, default))!.State;
            var acks = acknowledged.Where(a => a.Id == id).ToList();
            Assert.True(state.IsFinal, $"{id} is still {state.Status}");
            Assert.Equal(acks.Select(a => a.By).Order(), state.Decisions.Select(d => d.By).Order());
            Assert.Equal(acks.Count + 1, state.Version);

            var events = await _nodeB.Store.ReadSubjectAsync(id, default);
            Assert.Equal(acks.Count + 1, events.Count);
            var terminal = Assert.Single(events, e => EventTypes.ApprovalTerminal.Contains(e.Type));
            Assert.Same(events[^1], terminal);
            Assert.Equal(state.Status == ApprovalStatus.Approved ? EventTypes.ApprovalApproved : EventTypes.ApprovalRejected, terminal.Type);
        }
    }
}
