using System.Text;
using Approvals.Core.Storage;
using Npgsql;
using static Approvals.Storage.PostgreSql.PostgresParameters;

namespace Approvals.Storage.PostgreSql;

/// <summary>The keyset paging the approval and workflow lists share.</summary>
internal static class PostgresPaging
{
    /// <summary>
    /// The keyset tail every newest-first list shares: after the cursor, ordered, one row more than
    /// the page (it only tells that a next page exists), each row's state JSON deserialized.
    /// </summary>
    public static async Task<List<T>> ReadPageAsync<T>(NpgsqlCommand command, StringBuilder sql, PageCursor? after, int limit,
        Func<string, T> deserialize, CancellationToken cancellationToken)
    {
        if (after is { } cursor)
        {
            // A row comparison, which PostgreSQL matches against the (…, created_at DESC, id DESC) indexes.
            sql.Append(" AND (created_at, id) < (@cursor_at, @cursor_id)");
            command.Parameters.Add(Time("cursor_at", cursor.CreatedAt));
            command.Parameters.Add(Text("cursor_id", cursor.Id));
        }
        sql.Append(" ORDER BY created_at DESC, id DESC LIMIT @limit;");
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
