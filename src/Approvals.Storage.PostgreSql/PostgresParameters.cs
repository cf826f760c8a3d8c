using NpgsqlTypes;
using Npgsql;

namespace Approvals.Storage.PostgreSql;

/// <summary>The parameters the PostgreSQL store ports bind, typed explicitly (a null carries no type of its own).</summary>
internal static class PostgresParameters
{
    public static NpgsqlParameter Text(string name, string? value) =>
        new(name, NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value };

    public static NpgsqlParameter<string?[]> TextArray(string name, IEnumerable<string?> values) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = values.ToArray() };

    // Npgsql writes only UTC DateTimeOffsets to timestamptz; callers already truncated to microseconds.
    public static NpgsqlParameter<DateTimeOffset> Time(string name, DateTimeOffset value) =>
        new(name, NpgsqlDbType.TimestampTz) { TypedValue = value.ToUniversalTime() };

    public static NpgsqlParameter NullableTime(string name, DateTimeOffset? value) =>
        new(name, NpgsqlDbType.TimestampTz) { Value = value is { } at ? at.ToUniversalTime() : DBNull.Value };
}
