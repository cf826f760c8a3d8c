using System.Globalization;
using Approvals.Core.Storage;
using Approvals.Grains.Abstractions;
using Approvals.Core.Events;
using Orleans.Storage;

namespace Approvals.Grains.Storage;

/// <summary>
/// Our grain storage. The stock ADO.NET storage keeps an opaque blob that can be neither queried nor
/// committed with events; this one writes a grain's state row, its hash-chained events, the reply of
/// the idempotent request it answers and the status counters in one transaction, shared with other
/// grains' writes (group commit). ETag = version; a lost race is an <see cref="InconsistentStateException"/>.
/// </summary>
public sealed class GroupCommitGrainStorage(IStateStore store, GroupCommitWriter writer, EventLogSignal signal, StorageMetrics metrics) : IGrainStorage
{
    /// <summary>The name grains give in <c>[PersistentState(…, Name)]</c>.</summary>
    public const string Name = "approvals";

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var record = Record(grainState);
        var key = grainId.Key.ToString()!;
        if (NewGrain.IsAnnounced(key))
        {
            // A create on an id its caller just minted: there is nothing to read (see NewGrain).
            record.Clear();
        }
        else
        {
            var (tenant, id) = GrainKeys.Parse(key);
            await record.LoadAsync(store, tenant, id);
        }
        Describe(record, grainState);
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var record = Record(grainState);
        var write = record.Pending ?? throw new InvalidOperationException($"{grainId} wrote without a pending write.");
        if (await writer.WriteAsync(write, CancellationToken.None) != WriteOutcome.Committed)
        {
            metrics.Conflict(write.Key.Type);
            throw new InconsistentStateException(
                $"{write.Key} is no longer at version {write.ExpectedVersion}.", storedEtag: null, currentEtag: grainState.ETag);
        }
        record.Committed();
        Describe(record, grainState);
        if (write.Events.Count > 0)
        {
            // Wakes this node's live readers of the log (SSE, webhooks); other nodes hear it from the change feed.
            signal.Pulse();
        }
    }

    /// <summary>Requests and runs are never deleted: they end in a final status and stay in the audit trail.</summary>
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        throw new NotSupportedException("Approval requests and workflow runs are never deleted.");

    private static void Describe<T>(IGrainRecord record, IGrainState<T> grainState)
    {
        grainState.RecordExists = record.Version is not null;
        grainState.ETag = record.Version?.ToString(CultureInfo.InvariantCulture);
    }

    private static IGrainRecord Record<T>(IGrainState<T> grainState) =>
        grainState.State as IGrainRecord ?? throw new NotSupportedException($"{nameof(GroupCommitGrainStorage)} keeps only approval and workflow records.");
}

/// <summary>What <see cref="GroupCommitGrainStorage"/> needs of a grain's record (see <see cref="GrainRecord{TStored, TWrite}"/>).</summary>
public interface IGrainRecord
{
    /// <summary>The committed version, or null when nothing is stored.</summary>
    long? Version { get; }

    /// <summary>The write the next <c>WriteStateAsync</c> commits.</summary>
    StateWrite? Pending { get; }

    /// <summary>Loads the row of <paramref name="id"/> if it belongs to <paramref name="tenant"/>, and drops any pending write.</summary>
    Task LoadAsync(IStateStore store, string tenant, string id);

    /// <summary>Nothing stored, nothing pending: what a load of an absent row gives, without the load.</summary>
    void Clear();

    /// <summary>The pending write committed: it is now the current state.</summary>
    void Committed();
}
