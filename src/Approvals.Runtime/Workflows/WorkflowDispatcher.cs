using System.Text.Json.Nodes;
using Approvals.Contracts;
using Approvals.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Approvals.Core;

namespace Approvals.Runtime.Workflows;

/// <summary>How the workflow dispatcher follows the event log.</summary>
public sealed class WorkflowDispatcherOptions
{
    /// <summary>How often the log is read when nothing new came last time.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Events read per round.</summary>
    public int BatchSize { get; set; } = 500;
}

/// <summary>
/// Delivers approval decisions to the workflows that wait on them, from the event log and never
/// from inside the approval's transaction. At least once: the checkpoint moves only after a batch
/// was delivered, so a crash redelivers, and the workflow ignores what it has already seen. Every
/// node may run one; they only repeat each other's (ignored) deliveries.
/// </summary>
public sealed class WorkflowDispatcher(IEventLog log, ICheckpointStore checkpoints, WorkflowService workflows, IOptions<WorkflowDispatcherOptions> options,
    TimeProvider clock, ILogger<WorkflowDispatcher> logger) : BackgroundService
{
    /// <summary>The consumer name of the checkpoint.</summary>
    public const string Consumer = "workflows";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await RunOnceAsync(stoppingToken) == 0)
                {
                    await Task.Delay(options.Value.PollInterval, clock, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                logger.LogError(error, "Delivering decisions to workflows failed; retrying.");
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
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
        await Parallel.ForEachAsync(deliveries.GroupBy(d => d.WorkflowId!), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (group, ct) =>
            {
                foreach (var (e, workflowId) in group)
                {
                    await workflows.ApprovalDecidedAsync(workflowId!, e.SubjectId, OutcomeOf(e.Type), ct);
                }
            });
        await checkpoints.SaveCheckpointAsync(Consumer, events[^1].Seq, cancellationToken);
        return events.Count;
    }

    private static ApprovalStatus OutcomeOf(string type) => type switch
    {
        EventTypes.ApprovalApproved => ApprovalStatus.Approved,
        EventTypes.ApprovalRejected => ApprovalStatus.Rejected,
        EventTypes.ApprovalExpired => ApprovalStatus.Expired,
        _ => ApprovalStatus.Cancelled,
    };
}
