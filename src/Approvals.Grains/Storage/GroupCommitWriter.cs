using System.Threading.Channels;
using Approvals.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Approvals.Grains.Storage;

/// <summary>
/// The group-commit pipeline: grains hand in writes, one loop drains whatever has queued up and
/// commits it as one batch (one transaction, one fsync), then answers each writer with its own
/// outcome. Under load batches grow by themselves; alone, a write commits at once.
/// </summary>
public sealed class GroupCommitWriter : IAsyncDisposable
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IStateStore _store;
    private readonly int _maxBatch;
    private readonly StorageMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Task _loop;

    public GroupCommitWriter(IStateStore store, int maxBatchSize, StorageMetrics metrics, ILogger<GroupCommitWriter> logger)
    {
        _store = store;
        _maxBatch = Math.Max(1, maxBatchSize);
        _metrics = metrics;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Queues <paramref name="write"/> for the next group commit and waits for its outcome.</summary>
    public async Task<WriteOutcome> WriteAsync(StateWrite write, CancellationToken cancellationToken)
    {
        // Once queued, a write is committed or failed whatever the caller does: cancelling only stops the wait.
        var pending = new Pending(write, new TaskCompletionSource<WriteOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(pending), this);
        return await pending.Reply.Task.WaitAsync(cancellationToken);
    }

    private async Task RunAsync()
    {
        var batch = new List<Pending>(_maxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }
            await CommitAsync(batch);
            batch.Clear();
        }
    }

    private async Task CommitAsync(List<Pending> batch)
    {
        _metrics.Batch(batch.Count);
        try
        {
            var outcomes = await _store.SaveAsync(batch.Select(p => p.Write).ToList(), CancellationToken.None);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Reply.TrySetResult(outcomes[i]);
            }
        }
        catch (Exception batchError) when (batch.Count > 1)
        {
            // One bad write must not fail its neighbours: retry each alone so only the culprit fails.
            _logger.LogWarning(batchError, "A group commit of {Count} writes failed; committing them one by one.", batch.Count);
            foreach (var pending in batch)
            {
                try
                {
                    var outcome = await _store.SaveAsync([pending.Write], CancellationToken.None);
                    pending.Reply.TrySetResult(outcome[0]);
                }
                catch (Exception error)
                {
                    pending.Reply.TrySetException(error);
                }
            }
        }
        catch (Exception error)
        {
            batch[0].Reply.TrySetException(error);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private sealed record Pending(StateWrite Write, TaskCompletionSource<WriteOutcome> Reply);
}
