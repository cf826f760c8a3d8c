using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;
using Npgsql;

namespace Approvals.Server.Tests.Support;

/// <summary>The server on PostgreSQL in a fresh schema of its own (skipped without a server unless CI=true).</summary>
public class PostgresServer : ServerFixture
{
    // The server wants a data folder; with PostgreSQL nothing is kept there (not even the inbox's keys).
    private readonly string _folder = NewTempFolder();
    private PostgresDatabase? _database;

    protected override bool IsSkipped => PostgresEnvironment.SkipReason is not null;

    private PostgresDatabase Database => _database ?? throw new InvalidOperationException("No database yet.");

    protected override async Task<IReadOnlyDictionary<string, string?>> PrepareStorageAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        return new Dictionary<string, string?>
        {
            ["Approvals:DataFolder"] = _folder,
            ["Approvals:Storage:Provider"] = "postgres",
            ["Approvals:Storage:ConnectionString"] = _database.ConnectionString,
        };
    }

    protected override async Task RemoveStorageAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
        DeleteFolder(_folder);
    }

    public override async Task<int> ExecuteSqlAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = Database.DataSource.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter(name, value));
        }
        return await command.ExecuteNonQueryAsync();
    }

    public override StoreSet OpenStores() => StoreSet.Postgres(Database.DataSource);

    public override async Task<IReadOnlyList<object[]>> QueryAsync(string sql)
    {
        await using var command = Database.DataSource.CreateCommand(sql);
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
