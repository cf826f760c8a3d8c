using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Approvals.Core.Storage;
using Npgsql;

namespace Approvals.Storage.PostgreSql;

/// <summary>Notices of the batches any node commits, heard on the database's notice channel.</summary>
public sealed class PostgresChangeFeed(PostgresStoreDatabase database) : IChangeFeed
{
    private static readonly TimeSpan ListenReconnectDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Yields the notices <see cref="PostgresStateStore.SaveAsync"/> on any node sends for its batches that appended events, from a
    /// connection of its own that LISTENs for as long as the sequence is read. A broken connection is reopened after a short
    /// back-off; notices sent meanwhile are lost, which the port allows (receivers fall back to re-reading).
    /// The sequence ends, without an error, when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async IAsyncEnumerable<EventLogMoved> ListenAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Notices arrive on an event of the connection while it waits; the channel hands them to the reader.
        var received = Channel.CreateUnbounded<EventLogMoved>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var listening = ListenLoopAsync(received.Writer, stop.Token);
        try
        {
            // Ends when the loop completes the channel: on cancellation, or with the loop's error.
            await foreach (var notice in received.Reader.ReadAllAsync(CancellationToken.None))
            {
                yield return notice;
            }
        }
        finally
        {
            // Also when the reader stops early: the LISTEN connection must not outlive the sequence.
            await stop.CancelAsync();
            await listening;
        }
    }

    private async Task ListenLoopAsync(ChannelWriter<EventLogMoved> received, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            while (true)
            {
                try
                {
                    // A connection of its own for as long as it listens: a pooled connection returned after
                    // each command would forget its LISTEN.
                    await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
                    connection.Notification += (_, notice) =>
                    {
                        // Only PostgresStateStore.SaveAsync sends on this channel, with a sequence number. Anything else (a node of
                        // an older version, which sent actor ids) is dropped: the readers' fallback re-read covers it.
                        if (long.TryParse(notice.Payload, NumberStyles.None, CultureInfo.InvariantCulture, out var upTo))
                        {
                            received.TryWrite(new EventLogMoved(upTo));
                        }
                    };
                    var channel = await database.ChangeChannelAsync(connection, cancellationToken);
                    // The channel name is ours (letters, digits, underscores), so it needs no quoting.
                    await using (var listen = new NpgsqlCommand($"LISTEN {channel};", connection))
                    {
                        await listen.ExecuteNonQueryAsync(cancellationToken);
                    }
                    while (true)
                    {
                        await connection.WaitAsync(cancellationToken);
                    }
                }
                catch (Exception e) when ((e is NpgsqlException or TimeoutException) && !cancellationToken.IsCancellationRequested)
                {
                    // The server restarted, the network failed or an administrator ended the session.
                    await Task.Delay(ListenReconnectDelay, cancellationToken);
                }
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Asked to stop: the sequence ends normally, whatever the connection threw on the way down.
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            received.TryComplete(failure);
        }
    }
}
