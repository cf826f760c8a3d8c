using Approvals.Testing.Storage;
using Microsoft.Data.Sqlite;

namespace Approvals.Server.Tests.Support;

/// <summary>The server on SQLite in a temporary data folder of its own.</summary>
public class SqliteServer : ServerFixture
{
    private readonly string _folder = NewTempFolder();

    private string ConnectionString => $"Data Source={Path.Combine(_folder, "approvals.db")}";

    protected override Task<IReadOnlyDictionary<string, string?>> PrepareStorageAsync()
    {
        Directory.CreateDirectory(_folder);
        return Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?> { ["Approvals:DataFolder"] = _folder });
    }

    protected override Task RemoveStorageAsync()
    {
        // Pooled connections would keep the database file open.
        SqliteConnection.ClearAllPools();
        DeleteFolder(_folder);
        return Task.CompletedTask;
    }

    public override async Task<int> ExecuteSqlAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql.Replace("@", "$", StringComparison.Ordinal);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue("$" + name, value);
        }
        return await command.ExecuteNonQueryAsync();
    }

    public override StoreSet OpenStores() => StoreSet.Sqlite(ConnectionString);

    public override async Task<IReadOnlyList<object[]>> QueryAsync(string sql)
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object[]>();
        while (await reader.ReadAsync())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }
        return rows;
    }
}
