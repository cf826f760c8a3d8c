using Approvals.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Approvals.Grains.Storage;

/// <summary>
/// The grain storage's group commit: grains hand in their writes and the ones queued meanwhile commit
/// as one batch (one transaction, one fsync) through <see cref="IStateStore.SaveAsync"/>, each with its
/// own outcome (committed, or a version conflict).
/// </summary>
public sealed class GroupCommitWriter : IAsyncDisposable
{
    private readonly WriteBatcher<StateWrite, WriteOutcome> _batcher;

    public GroupCommitWriter(IStateStore store, int maxBatchSize, StorageMetrics metrics, ILogger<GroupCommitWriter> logger) =>
        _batcher = new WriteBatcher<StateWrite, WriteOutcome>(
            writes => store.SaveAsync(writes, CancellationToken.None),
            maxBatchSize,
            metrics.Batch,
            (error, count) => logger.LogWarning(error, "A group commit of {Count} writes failed; committing them one by one.", count));

    /// <summary>Queues <paramref name="write"/> for the next group commit and waits for its outcome.</summary>
    public Task<WriteOutcome> WriteAsync(StateWrite write, CancellationToken cancellationToken) => _batcher.WriteAsync(write, cancellationToken);

    public ValueTask DisposeAsync() => _batcher.DisposeAsync();
}
