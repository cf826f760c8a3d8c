using System.Runtime.CompilerServices;
using System.Text.Json;
using Approvals.Contracts;

namespace Approvals.Client;

/// <summary>What the HTTP client and the in-cluster client (Approvals.Client.Cluster) do alike with what the API answers.</summary>
internal static class ClientPlumbing
{
    /// <summary>Every item of every page, newest first, fetching the next page (by the previous one's cursor) as the previous one is read.</summary>
    public static async IAsyncEnumerable<T> FollowCursorAsync<T>(Func<string?, CancellationToken, Task<(IReadOnlyList<T> Items, string? Next)>> page,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? cursor = null;
        do
        {
            var (items, next) = await page(cursor, cancellationToken);
            foreach (var item in items)
            {
                yield return item;
            }
            cursor = next;
        }
        while (cursor is not null);
    }

    /// <summary>Every approval of the pages <paramref name="page"/> reads (by cursor), newest first.</summary>
    public static IAsyncEnumerable<ApprovalDto> FollowCursorAsync(Func<string?, CancellationToken, Task<ApprovalListDto>> page, CancellationToken cancellationToken) =>
        FollowCursorAsync<ApprovalDto>(async (cursor, ct) =>
        {
            var read = await page(cursor, ct);
            return (read.Data, read.NextCursor);
        }, cancellationToken);

    /// <summary>Every workflow of the pages <paramref name="page"/> reads (by cursor).</summary>
    public static IAsyncEnumerable<WorkflowDto> FollowCursorAsync(Func<string?, CancellationToken, Task<WorkflowListDto>> page, CancellationToken cancellationToken) =>
        FollowCursorAsync<WorkflowDto>(async (cursor, ct) =>
        {
            var read = await page(cursor, ct);
            return (read.Data, read.NextCursor);
        }, cancellationToken);

    /// <summary>The <c>count</c> of a one-status count reply (<c>{ "count": n }</c>).</summary>
    public static long Count(IReadOnlyDictionary<string, long> reply) =>
        reply.TryGetValue("count", out var count) ? count : throw new JsonException("The count response has no count.");

    /// <summary>A count per status reply (<c>{ "pending": n, … }</c>) with every status present.</summary>
    public static IReadOnlyDictionary<ApprovalStatus, long> CountsByStatus(IReadOnlyDictionary<string, long> reply)
    {
        var result = Enum.GetValues<ApprovalStatus>().ToDictionary(s => s, _ => 0L);
        foreach (var (name, count) in reply)
        {
            // A status a newer server adds is left out rather than failing the whole count.
            if (WireNames.TryParseStatus(name, out var status))
            {
                result[status] = count;
            }
        }
        return result;
    }

    /// <summary><paramref name="options"/> of a call that takes no If-Match (the API checks no version on it); refuses one that sets it.</summary>
    public static WriteOptions? Unversioned(WriteOptions? options, string call) =>
        options?.IfMatch is null ? options : throw new ArgumentException($"{call} takes no If-Match (the API checks no version on it).", nameof(options));
}
