using System.Globalization;
using Approvals.Core.Storage;
using Approvals.Grains.Abstractions;
using Approvals.Runtime.Actors;
using Orleans.Storage;

namespace Approvals.Grains.Approvals;

/// <summary>
/// Our grain storage for approvals. The stock ADO.NET storage keeps an opaque blob that can be neither
/// queried nor committed with events; this one writes the state row, its hash-chained events, the
/// idempotent reply and the status counters in one transaction, shared with other grains' writes
/// (group commit). ETag = version; a lost race is an <see cref="InconsistentStateException"/>.
/// </summary>
public sealed class ApprovalGrainStorage(IStateStore store, GroupCommitWriter writer) : IGrainStorage
{
    /// <summary>The name grains give in <c>[PersistentState(…, Name)]</c>.</summary>
    public const string Name = "approvals";

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var record = Record(grainState);
        var (tenant, id) = GrainKeys.Parse(grainId.Key.ToString()!);
        var stored = await store.LoadApprovalAsync(id, CancellationToken.None);
        // Another tenant's request under this id is not this grain's: as far as it knows, there is none.
        record.Current = stored is not null && stored.State.TenantId == tenant ? stored : null;
        record.Pending = null;
        grainState.RecordExists = record.Current is not null;
        grainState.ETag = record.Current is { } current ? ETag(current.State.Version) : null;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var record = Record(grainState);
        var write = record.Pending ?? throw new InvalidOperationException("An approval grain wrote without a pending write.");
        var outcome = await writer.WriteAsync(write, CancellationToken.None);
        if (outcome != WriteOutcome.Committed)
        {
            throw new InconsistentStateException(
                $"Approval {write.State.Id} is no longer at version {write.ExpectedVersion}.", storedEtag: null, currentEtag: grainState.ETag);
        }
        record.Current = new StoredApproval(write.State, write.ChainHead);
        record.Pending = null;
        grainState.RecordExists = true;
        grainState.ETag = ETag(write.State.Version);
    }

    /// <summary>Requests are never deleted: they end in a final status and stay in the audit trail.</summary>
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        throw new NotSupportedException("Approval requests are never deleted.");

    private static string ETag(long version) => version.ToString(CultureInfo.InvariantCulture);

    private static ApprovalRecord Record<T>(IGrainState<T> grainState) =>
        grainState.State as ApprovalRecord ?? throw new NotSupportedException($"{nameof(ApprovalGrainStorage)} keeps only {nameof(ApprovalRecord)}.");
}
