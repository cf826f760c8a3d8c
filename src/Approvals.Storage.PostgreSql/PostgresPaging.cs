using System.Text;
using Approvals.Core.Storage;
using Npgsql;
using static Approvals.Storage.PostgreSql.PostgresParameters;

namespace Approvals.Storage.PostgreSql;

/// <summary>The keyset paging the approval and workflow lists share.</summary>
internal static class PostgresPaging
{
    /// <summary>
    /// The keyset tail every list shares: after the cursor, newest first, or soonest deadline first when
    /// <paramref name="byDeadline"/> (approvals only), one row more than the page (it only tells that a
    /// next page exists), each row's state JSON deserialized.
    /// </summary>
    public static async Task<List<T>> ReadPageAsync<T>(NpgsqlCommand command, StringBuilder sql, PageCursor? after, int limit,
        bool byDeadline, Func<string, T> deserialize, CancellationToken cancellationToken)
    {
        var (column, comparison, direction) = byDeadline ? ("expires_at", ">", "ASC") : ("created_at", "<", "DESC");
        if (after is { } cursor)
        {
            // A row comparison, which PostgreSQL matches against the (…, created_at DESC, id DESC) and
            // (…, expires_at, id) indexes.
            sql.Append($" AND ({column}, id) {comparison} (@cursor_at, @cursor_id)");
            command.Parameters.Add(Time("cursor_at", cursor.At));
            command.Parameters.Add(Text("cursor_id", cursor.Id));
        }
        sql.Append($" ORDER BY {column} {direction}, id {direction} LIMIT @limit;");
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit + 1));
        command.CommandText = sql.ToString();

        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(deserialize(reader.GetString(0)));
        }
        return rows;
    }
}
