using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Storage;
using Approvals.Grains.Abstractions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Approvals.Grains.Workflows;

/// <summary>How the decision dispatcher follows the event log (<c>Approvals:Workflows:Dispatcher</c>).</summary>
public sealed class DecisionDispatcherOptions
{
    public const string Section = "Approvals:Workflows:Dispatcher";

    /// <summary>How often the log is read when nothing new came last time.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Events read per round.</summary>
    public int BatchSize { get; set; } = 500;
}

/// <summary>
/// The at-least-once backstop behind the approval grain's one-way notice: follows the event log and
/// delivers every final decision of a workflow's approval to its workflow grain. The checkpoint moves
/// only after a batch was delivered, so a crash redelivers; the workflow ignores a decision it does not
/// wait on, so a repeat advances nothing. Every node runs one; they only repeat each other's deliveries.
/// </summary>
/// <remarks>Its polling runs on real time, not on the grains' <see cref="TimeProvider"/>: it is plumbing, not a deadline.</remarks>
public sealed class DecisionDispatcher(IEventLog log, ICheckpointStore checkpoints, IGrainFactory grains, IOptions<DecisionDispatcherOptions> options,
    ILogger<DecisionDispatcher> logger) : BackgroundService
{
    /// <summary>The consumer name of the checkpoint (kept from the actor runtime, so an upgrade resumes where it was).</summary>
    public const string Consumer = "workflows";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await RunOnceAsync(stoppingToken) == 0)
                {
                    await Task.Delay(options.Value.PollInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                logger.LogWarning(error, "Delivering decisions to workflows failed; retrying.");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    /// <summary>Delivers the next batch of the log; returns how many events it read.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var after = await checkpoints.ReadCheckpointAsync(Consumer, cancellationToken);
        var events = await log.ReadAfterAsync(after, options.Value.BatchSize, cancellationToken);
        if (events.Count == 0)
        {
            return 0;
        }
        var deliveries = events
            .Where(e => EventTypes.ApprovalTerminal.Contains(e.Type))
            .Select(e => (Event: e, WorkflowId: StoredJson.Parse(e.DataJson)?["workflow_id"]?.GetValue<string>()))
            .Where(d => d.WorkflowId is not null);
        // Different workflows in parallel; one workflow's deliveries in log order.
        await Parallel.ForEachAsync(deliveries.GroupBy(d => (d.Event.TenantId, d.WorkflowId!)),
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (group, _) =>
            {
                var workflow = grains.GetGrain<IWorkflowGrain>(GrainKeys.Workflow(group.Key.TenantId, group.Key.Item2));
                foreach (var (e, _) in group)
                {
                    await workflow.DeliverDecisionAsync(e.SubjectId, StatusOf(e.Type));
                }
            });
        await checkpoints.SaveCheckpointAsync(Consumer, events[^1].Seq, cancellationToken);
        return events.Count;
    }

    private static string StatusOf(string type) => type switch
    {
        EventTypes.ApprovalApproved => "approved",
        EventTypes.ApprovalRejected => "rejected",
        EventTypes.ApprovalExpired => "expired",
        _ => "cancelled",
    };
}
