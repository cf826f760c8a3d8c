using System.Diagnostics;
using System.Runtime.CompilerServices;
using Approvals.Core.Storage;
using Approvals.Grains.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Approvals.Grains.CatchUp;

/// <summary>
/// Drives, when a silo starts and again on every survivor when a silo is declared dead, every deadline
/// that passed while no silo could fire it: pending approvals
/// past their deadline (<see cref="IApprovalGrain.ApplyDeadlineAsync"/>) and workflow runs with a delay or
/// task timeout that ended or an effect owed (<see cref="IWorkflowGrain.ApplyDueAsync"/>). Orleans skips a
/// reminder's first tick that is already past, so without this they would wait up to a reminder period.
/// </summary>
/// <remarks>
/// Starts when the silo becomes active (grain calls work from then on) and runs in the background, so a
/// long backlog never holds up the silo's start. Every silo runs it: the calls are safe to repeat and each
/// reaches the grain's one activation, wherever it lives. A failure is logged and left to the reminder,
/// which stays registered until the grain's final commit.
/// </remarks>
internal sealed class DeadlineCatchUp(
    IDueWorkStore store,
    IGrainFactory grains,
    IClusterMembershipService membership,
    TimeProvider clock,
    IOptions<CatchUpOptions> options,
    ILogger<DeadlineCatchUp> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _run = Task.CompletedTask;
    private Task _watch = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(DeadlineCatchUp), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            logger.LogInformation("The start-up catch-up is disabled: deadlines missed while no silo ran wait for their reminders.");
            return Task.CompletedTask;
        }
        // Not awaited: the silo finishes starting (and takes requests) while the backlog is driven.
        _run = Task.Run(() => RunAsync("Start-up catch-up", _stopping.Token), CancellationToken.None);
        if (options.Value.AfterSiloFailure)
        {
            _watch = Task.Run(() => WatchForFailuresAsync(_stopping.Token), CancellationToken.None);
        }
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        try
        {
            // Calls already made finish (or time out) on their own; the silo's stop does not wait longer than it allows.
            await Task.WhenAll(_run, _watch).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping: what is left is the reminders' job.
        }
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>
    /// Follows the cluster's membership and, each time a silo is declared dead, drives what is overdue once
    /// the survivors have had <see cref="CatchUpOptions.AfterSiloFailureDelay"/> (real time: plumbing, not a
    /// deadline) to take its reminders over.
    /// </summary>
    private async Task WatchForFailuresAsync(CancellationToken cancellationToken)
    {
        var dead = new HashSet<SiloAddress>(membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead).Select(m => m.SiloAddress));
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(cancellationToken))
            {
                var newlyDead = snapshot.Members.Values
                    .Where(m => m.Status == SiloStatus.Dead && !dead.Contains(m.SiloAddress))
                    .Select(m => m.SiloAddress)
                    .ToList();
                dead.UnionWith(newlyDead);
                if (newlyDead.Count == 0)
                {
                    continue;
                }
                await Task.Delay(options.Value.AfterSiloFailureDelay, cancellationToken);
                await _run.WaitAsync(cancellationToken);
                await RunAsync($"Catch-up after the failure of {string.Join(", ", newlyDead)}", cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The silo stops.
        }
        catch (Exception error)
        {
            logger.LogError(error, "Following the cluster's membership failed: a silo's failure no longer triggers a catch-up; reminders carry on.");
        }
    }

    internal async Task RunAsync(string run, CancellationToken cancellationToken)
    {
        // One instant for the whole run: what falls due after it is the reminders' and timers' job, on a running silo.
        var now = clock.GetUtcNow();
        var started = Stopwatch.GetTimestamp();
        var approvals = new Tally();
        var workflows = new Tally();
        try
        {
            await DriveAsync(
                (after, ct) => store.ReadOverdueApprovalsAsync(now, options.Value.PageSize, after, ct),
                item => grains.GetGrain<IApprovalGrain>(GrainKeys.Approval(item.TenantId, item.Id)).ApplyDeadlineAsync(),
                "approval", approvals, cancellationToken);
            await DriveAsync(
                (after, ct) => store.ReadDueWorkflowsAsync(now, options.Value.PageSize, after, ct),
                item => grains.GetGrain<IWorkflowGrain>(GrainKeys.Workflow(item.TenantId, item.Id)).ApplyDueAsync(),
                "workflow run", workflows, cancellationToken);
            logger.LogInformation(
                "{Run} drove {Approvals} overdue approvals and {Workflows} due workflow runs in {ElapsedMs:0} ms ({Failed} failed, left to their reminders).",
                run, approvals.Driven, workflows.Driven, Stopwatch.GetElapsedTime(started).TotalMilliseconds, approvals.Failed + workflows.Failed);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation(
                "{Run} stopped with the silo after {Approvals} approvals and {Workflows} workflow runs; reminders carry the rest.",
                run, approvals.Driven, workflows.Driven);
        }
        catch (Exception error)
        {
            // The store failed (the calls' own failures are counted, not thrown): reminders remain the backstop.
            logger.LogError(error,
                "{Run} failed after {Approvals} approvals and {Workflows} workflow runs in {ElapsedMs:0} ms; reminders carry the rest, a reminder period late.",
                run, approvals.Driven, workflows.Driven, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>Calls <paramref name="drive"/> for every due item, at most <see cref="CatchUpOptions.MaxConcurrency"/> at once.</summary>
    private async Task DriveAsync(Func<DuePosition?, CancellationToken, Task<IReadOnlyList<DueItem>>> readPage, Func<DueItem, Task> drive, string what,
        Tally tally, CancellationToken cancellationToken)
    {
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxConcurrency, CancellationToken = cancellationToken };
        // The pages are read as the calls drain them, so reading overlaps calling and only a page is held at a time.
        await Parallel.ForEachAsync(PagesAsync(readPage, cancellationToken), parallel, async (item, _) =>
        {
            try
            {
                await drive(item);
                tally.Drove();
            }
            catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (tally.Fail() == 1)
                {
                    // The first only: a store or cluster in trouble would fail them all alike.
                    logger.LogWarning(error, "The catch-up could not drive {What} {Tenant}/{Id}; its reminder will.", what, item.TenantId, item.Id);
                }
            }
        });
    }

    private async IAsyncEnumerable<DueItem> PagesAsync(Func<DuePosition?, CancellationToken, Task<IReadOnlyList<DueItem>>> readPage,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        DuePosition? after = null;
        while (true)
        {
            var page = await readPage(after, cancellationToken);
            foreach (var item in page)
            {
                yield return item;
            }
            if (page.Count < options.Value.PageSize)
            {
                yield break;
            }
            // Keyset: a driven row leaves the index (or moves past now), and the next page starts after the last one read.
            after = page[^1].Position;
        }
    }

    private sealed class Tally
    {
        private int _driven;
        private int _failed;

        public int Driven => Volatile.Read(ref _driven);

        public int Failed => Volatile.Read(ref _failed);

        public void Drove() => Interlocked.Increment(ref _driven);

        public int Fail() => Interlocked.Increment(ref _failed);
    }
}
