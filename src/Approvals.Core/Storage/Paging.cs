using Approvals.Contracts;
using Approvals.Core.Approvals;

namespace Approvals.Core.Storage;

/// <summary>Result shaping shared by the backends' list and count queries.</summary>
public static class Paging
{
    /// <summary>
    /// Turns a result fetched with <c>limit + 1</c> rows into a page: the extra row only tells that a
    /// next page exists, and the cursor is the last row returned, in the list's <paramref name="order"/>.
    /// </summary>
    public static Page<ApprovalState> ToPage(IReadOnlyList<ApprovalState> rows, int limit, ApprovalOrder order = ApprovalOrder.Newest) =>
        ToPage(rows, limit, a => new PageCursor(order == ApprovalOrder.Deadline ? a.ExpiresAt : a.CreatedAt, a.Id));

    /// <summary>The same for workflows.</summary>
    public static Page<Workflows.WorkflowState> ToPage(IReadOnlyList<Workflows.WorkflowState> rows, int limit) =>
        ToPage(rows, limit, w => new PageCursor(w.CreatedAt, w.Id));

    private static Page<T> ToPage<T>(IReadOnlyList<T> rows, int limit, Func<T, PageCursor> cursorOf)
    {
        if (rows.Count <= limit)
        {
            return new Page<T>(rows, null);
        }
        var items = rows.Take(limit).ToList();
        return new Page<T>(items, cursorOf(items[^1]));
    }

    /// <summary>Counts per status with every status present (0 where no row was counted).</summary>
    public static IReadOnlyDictionary<ApprovalStatus, long> CountsByStatus(IEnumerable<(string Status, long Count)> rows)
    {
        var counts = Enum.GetValues<ApprovalStatus>().ToDictionary(s => s, _ => 0L);
        foreach (var (status, count) in rows)
        {
            if (WireNames.TryParseStatus(status, out var parsed))
            {
                counts[parsed] = count;
            }
        }
        return counts;
    }
}
