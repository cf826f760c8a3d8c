using System.Threading.Channels;

namespace Approvals.Core.Storage;

/// <summary>
/// Group commit, written once: callers hand in writes one at a time; one loop takes whatever has queued
/// (up to a limit) and commits it in one go, then answers each caller with its own result. Under load
/// batches grow by themselves; alone, a write commits at once. A batch that fails is committed again
/// one write at a time, so a bad write fails only its own caller. The grain storage, the SQLite reminder
/// table and the PostgreSQL reminder table each run one.
/// </summary>
/// <typeparam name="TWrite">One write.</typeparam>
/// <typeparam name="TResult">What one write's caller is told (an outcome, a version, rows changed).</typeparam>
public sealed class WriteBatcher<TWrite, TResult> : IAsyncDisposable
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<IReadOnlyList<TWrite>, Task<IReadOnlyList<TResult>>> _commit;
    private readonly int _maxBatch;
    private readonly Action<int>? _committing;
    private readonly Action<Exception, int>? _batchFailed;
    private readonly Task _loop;

    /// <param name="commit">Commits writes in one transaction, returning one result per write in order; throws if it committed nothing.</param>
    /// <param name="maxBatch">The most writes one commit carries.</param>
    /// <param name="committing">Told the size of each batch before it commits (metrics).</param>
    /// <param name="batchFailed">Told when a batch failed and is being committed one by one (logging).</param>
    public WriteBatcher(Func<IReadOnlyList<TWrite>, Task<IReadOnlyList<TResult>>> commit, int maxBatch,
        Action<int>? committing = null, Action<Exception, int>? batchFailed = null)
    {
        _commit = commit;
        _maxBatch = Math.Max(1, maxBatch);
        _committing = committing;
        _batchFailed = batchFailed;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>
    /// Queues <paramref name="write"/> for the next commit and waits for its result. Once queued, a write is
    /// committed or failed whatever the caller does: cancelling only stops the wait.
    /// </summary>
    public async Task<TResult> WriteAsync(TWrite write, CancellationToken cancellationToken = default)
    {
        var pending = new Pending(write, new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously));
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
        _committing?.Invoke(batch.Count);
        try
        {
            var results = await _commit(batch.Select(p => p.Write).ToList());
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Reply.TrySetResult(results[i]);
            }
        }
        catch (Exception batchError) when (batch.Count > 1)
        {
            // One bad write must not fail its neighbours: commit each alone so only the culprit fails.
            _batchFailed?.Invoke(batchError, batch.Count);
            foreach (var pending in batch)
            {
                try
                {
                    pending.Reply.TrySetResult((await _commit([pending.Write]))[0]);
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

    /// <summary>Takes no more writes; returns once those queued are committed or failed.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private sealed record Pending(TWrite Write, TaskCompletionSource<TResult> Reply);
}
