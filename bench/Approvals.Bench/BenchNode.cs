using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Approvals;
using Approvals.Core.Events;
using Approvals.Core.Principals;
using Approvals.Core.Storage;
using Approvals.Runtime.Actors;
using Approvals.Runtime.Approvals;
using Approvals.Runtime.Timers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Approvals.Bench;

/// <summary>One node of the runtime over a store, wired as the server wires it.</summary>
public sealed class BenchNode : IAsyncDisposable
{
    private readonly ActorMetrics _metrics = new();
    private readonly GroupCommitWriter _writer;

    public BenchNode(IApprovalsStore store, TimeProvider clock)
    {
        var options = new ActorHostOptions();
        var wakeup = new TimerWakeup();
        _writer = new GroupCommitWriter(store, options, _metrics, NullLogger<GroupCommitWriter>.Instance);
        Approvals = new ApprovalService(store, _writer, Options.Create(new ApprovalOptions()), Options.Create(options), clock, _metrics, wakeup, new ApprovalChanges());
        Timers = new TimerService(store, [Approvals], Options.Create(new TimerServiceOptions()), wakeup, clock, NullLogger<TimerService>.Instance);
    }

    public ApprovalService Approvals { get; }
    public TimerService Timers { get; }

    public async ValueTask DisposeAsync()
    {
        Timers.Dispose();
        await _writer.DisposeAsync();
        Approvals.Dispose();
        _metrics.Dispose();
    }

    /// <summary>
    /// Writes approvals straight through the store, 1,000 per transaction, as the actor would write
    /// them (state, first event, expiry timer when pending): much faster than going through actors.
    /// </summary>
    public static async Task<List<ApprovalState>> SeedAsync(IApprovalsStore store, int count,
        Func<int, (DateTimeOffset CreatedAt, CreateApprovalRequest Request, Principal By)> make,
        Func<int, ApprovalState, ApprovalState>? adjust = null)
    {
        var options = new ApprovalOptions { MaxExpiry = TimeSpan.FromDays(400) };
        var all = new List<ApprovalState>(count);
        foreach (var chunk in Enumerable.Range(0, count).Chunk(1000))
        {
            var writes = new List<StateWrite>(chunk.Length);
            foreach (var i in chunk)
            {
                var (createdAt, request, by) = make(i);
                var id = Ids.New("apr", createdAt);
                var transition = ApprovalStateMachine.Decide(null, new ApprovalCommand.Create(id, request, by), createdAt, options).Value!;
                var state = adjust?.Invoke(i, transition.State) ?? transition.State;
                var e = EventHasher.Seal(Ids.New("evt", createdAt), transition.Events[0], state.TenantId, id, createdAt, null);
                TimerChange[] timers = state.IsFinal ? [] : [new TimerChange(ActorKey.ForApproval(id), TimerChange.Expiry, state.ExpiresAt)];
                writes.Add(new ApprovalWrite(state, 0, [e], timers, null));
                all.Add(state);
            }
            await store.SaveAsync(writes, default);
        }
        return all;
    }
}
